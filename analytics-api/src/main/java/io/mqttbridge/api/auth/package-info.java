/**
 * Authentication and roles of the REST API (not of MQTT clients): API tokens and passwords, the
 * principal and its {@link io.mqttbridge.api.auth.ApiRole}, and the security setup of the Jersey
 * resources.
 */
package io.mqttbridge.api.auth;
