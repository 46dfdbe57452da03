/**
 * Loading (and caching) a device's credentials and rules for the registry.
 */
package io.mqttbridge.db.registry.internal;
