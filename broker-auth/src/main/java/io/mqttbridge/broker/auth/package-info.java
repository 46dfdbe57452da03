/**
 * MQTT authentication methods for the broker's SPI, in the {@code broker-auth} module because they
 * need libraries of their own; {@link io.mqttbridge.broker.auth.CertificateAuthenticator} (the device
 * identity from the verified TLS client certificate) and
 * {@link io.mqttbridge.broker.auth.ListenerAuthenticator} (an authenticator per listener) live here
 * too. Authentication and authorization from the configuration file: {@link
 * io.mqttbridge.broker.auth.FileAuthenticator} (users with argon2id, bcrypt or scrypt password
 * hashes, anonymous access on or off) and {@link io.mqttbridge.broker.auth.FileAuthorizer} (ACL
 * rules with {@code %c} / {@code %u} placeholders), both configured by {@link
 * io.mqttbridge.broker.auth.FileAuthConfig}. {@link io.mqttbridge.broker.auth.PasswordHashTool}
 * makes hashes for the file.
 */
package io.mqttbridge.broker.auth;
