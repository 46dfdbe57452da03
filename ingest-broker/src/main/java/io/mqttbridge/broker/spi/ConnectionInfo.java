package io.mqttbridge.broker.spi;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * Facts about one client connection, fixed when the broker accepted its CONNECT.
 *
 * @param connectionId unique per connection (a client id reconnecting gets a new one)
 * @param clientId the client identifier (assigned by the broker when the client sent none)
 * @param identity who the authenticator said the client is
 * @param remoteAddress the client's address
 * @param protocolVersion the protocol version of the CONNECT
 * @param cleanStart the clean session (3.1.1) or clean start (5.0) flag
 * @param keepAliveSeconds the keep alive in force (after any server cap)
 * @param sessionExpirySeconds the session expiry interval in force; for 3.1.1, 0 when clean and
 *     {@link #SESSION_NEVER_EXPIRES} otherwise
 * @param connectedAt when the CONNACK was sent
 */
public record ConnectionInfo(
        UUID connectionId,
        String clientId,
        DeviceIdentity identity,
        InetSocketAddress remoteAddress,
        MqttVersion protocolVersion,
        boolean cleanStart,
        int keepAliveSeconds,
        long sessionExpirySeconds,
        Instant connectedAt) {

    /** The MQTT 5 session expiry value 0xFFFFFFFF: the session does not expire. */
    public static final long SESSION_NEVER_EXPIRES = 0xFFFF_FFFFL;

    public ConnectionInfo {
        Objects.requireNonNull(connectionId, "connectionId");
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(protocolVersion, "protocolVersion");
        Objects.requireNonNull(connectedAt, "connectedAt");
    }

    public String username() {
        return identity == null ? null : identity.username();
    }
}
