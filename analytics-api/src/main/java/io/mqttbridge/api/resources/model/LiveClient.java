package io.mqttbridge.api.resources.model;

import io.mqttbridge.broker.session.DeliveryState;
import io.mqttbridge.broker.spi.ConnectionInfo;

import java.time.Instant;
import java.util.UUID;

/**
 * A client connected to this node's broker now; {@code delivery} is what waits for it in its session
 * (queued and unacknowledged messages, and the messages its full queue dropped).
 */
public record LiveClient(String clientId, UUID connectionId, String deviceId, String username, String remoteAddress,
                         int protocolVersion, boolean cleanStart, int keepAliveSeconds, long sessionExpirySeconds,
                         Instant connectedAt, DeliveryState delivery) {

    public static LiveClient of(ConnectionInfo info, DeliveryState delivery) {
        return new LiveClient(info.clientId(), info.connectionId(),
                info.identity() == null ? null : info.identity().deviceId(), info.username(),
                info.remoteAddress() == null ? null : info.remoteAddress().getHostString() + ":" + info.remoteAddress().getPort(),
                info.protocolVersion().protocolLevel(), info.cleanStart(), info.keepAliveSeconds(), info.sessionExpirySeconds(),
                info.connectedAt(), delivery);
    }
}
