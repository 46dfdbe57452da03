/**
 * The device registry: {@link io.mqttbridge.db.registry.DeviceRegistry} implements the broker's
 * Authenticator and Authorizer from the devices, credentials and ACL rules in PostgreSQL.
 */
package io.mqttbridge.db.registry;
