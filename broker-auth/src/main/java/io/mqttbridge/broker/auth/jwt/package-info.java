/**
 * OAuth 2.0 / OIDC access tokens (JWT, nimbus-jose-jwt) as the MQTT password: {@link
 * io.mqttbridge.broker.auth.jwt.JwtAuthenticator} verifies them against a JWK set or a shared
 * secret, {@link io.mqttbridge.broker.auth.jwt.JwtAuthorizer} turns their ACL claim into
 * permissions.
 */
package io.mqttbridge.broker.auth.jwt;
