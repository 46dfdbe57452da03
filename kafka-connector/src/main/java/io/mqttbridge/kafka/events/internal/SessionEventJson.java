package io.mqttbridge.kafka.events.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mqttbridge.broker.spi.ConnectionInfo;
import io.mqttbridge.broker.spi.DisconnectInfo;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;

/**
 * The JSON of session events, per "Session events" in docs/ARCHITECTURE.md: every event has
 * {@code type}, {@code node}, {@code timestamp} (ISO-8601 UTC), {@code connectionId} and
 * {@code clientId}; the rest depends on the type. Thread-safe.
 */
public final class SessionEventJson {

    public static final String CONNECTED = "connected";
    public static final String DISCONNECTED = "disconnected";
    public static final String SUBSCRIBED = "subscribed";
    public static final String UNSUBSCRIBED = "unsubscribed";
    public static final String HEARTBEAT = "heartbeat";

    private final ObjectMapper mapper;
    private final String node;

    public SessionEventJson(ObjectMapper mapper, String node) {
        this.mapper = mapper;
        this.node = node;
    }

    public byte[] connected(ConnectionInfo connection, Instant now) {
        ObjectNode event = base(CONNECTED, now, connection);
        event.put("username", connection.username());
        event.put("deviceId", connection.identity() == null ? null : connection.identity().deviceId());
        event.put("remoteAddress", address(connection.remoteAddress()));
        event.put("protocolVersion", connection.protocolVersion().protocolLevel());
        event.put("cleanStart", connection.cleanStart());
        event.put("keepAlive", connection.keepAliveSeconds());
        event.put("sessionExpiry", connection.sessionExpirySeconds());
        event.put("connectedAt", connection.connectedAt().toString());
        return bytes(event);
    }

    public byte[] disconnected(ConnectionInfo connection, DisconnectInfo disconnect, Instant now) {
        ObjectNode event = base(DISCONNECTED, now, connection);
        event.put("disconnectedAt", disconnect.disconnectedAt() == null ? null : disconnect.disconnectedAt().toString());
        event.put("reason", disconnect.reason());
        event.put("reasonCode", disconnect.reasonCode());
        event.put("willPublished", disconnect.willPublished());
        return bytes(event);
    }

    public byte[] subscribed(ConnectionInfo connection, List<String> topicFilters, List<Integer> grantedQos, Instant now) {
        ObjectNode event = base(SUBSCRIBED, now, connection);
        ArrayNode filters = event.putArray("topicFilters");
        topicFilters.forEach(filters::add);
        ArrayNode qos = event.putArray("grantedQos");
        grantedQos.forEach(qos::add);
        return bytes(event);
    }

    public byte[] unsubscribed(ConnectionInfo connection, List<String> topicFilters, Instant now) {
        ObjectNode event = base(UNSUBSCRIBED, now, connection);
        ArrayNode filters = event.putArray("topicFilters");
        topicFilters.forEach(filters::add);
        return bytes(event);
    }

    /** @param startedAt when this node's publisher started: lets readers close sessions of the node's previous life */
    public byte[] heartbeat(Instant now, Instant startedAt) {
        ObjectNode event = base(HEARTBEAT, now, null);
        event.put("startedAt", startedAt.toString());
        return bytes(event);
    }

    private ObjectNode base(String type, Instant now, ConnectionInfo connection) {
        ObjectNode event = mapper.createObjectNode();
        event.put("type", type);
        event.put("node", node);
        event.put("timestamp", now.toString());
        event.put("connectionId", connection == null ? null : connection.connectionId().toString());
        event.put("clientId", connection == null ? null : connection.clientId());
        return event;
    }

    private static String address(InetSocketAddress address) {
        return address == null ? null : address.getHostString() + ":" + address.getPort();
    }

    private byte[] bytes(ObjectNode event) {
        try {
            return mapper.writeValueAsBytes(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a session event as JSON", e);
        }
    }
}
