/**
 * The MQTT authentication chain of the application: {@link
 * io.mqttbridge.api.mqttauth.ChainedMqttAuth} tries the configured methods in order and returns
 * the permissions of the method that authenticated the identity.
 */
package io.mqttbridge.api.mqttauth;
