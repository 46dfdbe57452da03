/**
 * Configuration of the application that belongs to no single module: the roles a process runs and
 * the MQTT authentication chain ({@link io.mqttbridge.api.config.MqttAuthConfig}).
 */
package io.mqttbridge.api.config;
