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
 * @param listenerName the name of the listener the client connected to ({@code BrokerConfig}
 *     listeners), or {@code null} when not known
 */
public record AuthenticationRequest(
        String clientId,
        String username,
        byte[] password,
        InetSocketAddress remoteAddress,
        X509Certificate clientCertificate,
        MqttVersion protocolVersion,
        String listenerName) {

    /** A request whose listener is not known. */
    public AuthenticationRequest(String clientId, String username, byte[] password, InetSocketAddress remoteAddress,
                                 X509Certificate clientCertificate, MqttVersion protocolVersion) {
        this(clientId, username, password, remoteAddress, clientCertificate, protocolVersion, null);
    }

    @Override
    public String toString() {
        return "AuthenticationRequest[clientId=" + clientId + ", username=" + username
                + ", password=" + (password == null ? "none" : "***") + ", remoteAddress=" + remoteAddress + ", listener=" + listenerName + "]";
    }
}
