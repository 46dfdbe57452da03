package io.mqttbridge.broker.spi;

import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;

/**
 * What a client presented in CONNECT, as handed to an {@link Authenticator}.
 *
 * @param clientId the client identifier (already assigned by the broker if the client sent none)
 * @param username the user name, or {@code null} if the client sent none
 * @param password the password bytes, or {@code null}; a secret: never log it
 * @param remoteAddress the client's address
 * @param clientCertificate the verified TLS client certificate, or {@code null}
 * @param protocolVersion the protocol version of the CONNECT
 */
public record AuthenticationRequest(
        String clientId,
        String username,
        byte[] password,
        InetSocketAddress remoteAddress,
        X509Certificate clientCertificate,
        MqttVersion protocolVersion) {

    @Override
    public String toString() {
        return "AuthenticationRequest[clientId=" + clientId + ", username=" + username
                + ", password=" + (password == null ? "none" : "***") + ", remoteAddress=" + remoteAddress + "]";
    }
}
