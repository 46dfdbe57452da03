package io.mqttbridge.kafka.events.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mqttbridge.broker.spi.ConnectionInfo;
import io.mqttbridge.broker.spi.DisconnectInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;

/**
 * The JSON of session events, per "Session events" in docs/ARCHITECTURE.md: every event has
 * {@code type}, {@code node}, {@code timestamp} (ISO-8601 UTC), {@code connectionId} and
 * {@code clientId}; the rest depends on the type. Thread-safe.
 *
 * <p>Written with Jackson's streaming generator rather than a tree of nodes: two events per
 * connection make this part of every connect's cost.
 */
public final class SessionEventJson {

    public static final String CONNECTED = "connected";
    public static final String DISCONNECTED = "disconnected";
    public static final String SUBSCRIBED = "subscribed";
    public static final String UNSUBSCRIBED = "unsubscribed";
    public static final String HEARTBEAT = "heartbeat";

    private final JsonFactory factory;
    private final String node;

    public SessionEventJson(ObjectMapper mapper, String node) {
        this.factory = mapper.getFactory();
        this.node = node;
    }

    /** The fields one event type adds after the common ones. */
    @FunctionalInterface
    private interface Fields {
        void write(JsonGenerator out) throws IOException;
    }

    public byte[] connected(ConnectionInfo connection, Instant now) {
        return event(CONNECTED, now, connection, out -> {
            out.writeStringField("username", connection.username());
            out.writeStringField("deviceId", connection.identity() == null ? null : connection.identity().deviceId());
            out.writeStringField("remoteAddress", address(connection.remoteAddress()));
            out.writeNumberField("protocolVersion", connection.protocolVersion().protocolLevel());
            out.writeBooleanField("cleanStart", connection.cleanStart());
            out.writeNumberField("keepAlive", connection.keepAliveSeconds());
            out.writeNumberField("sessionExpiry", connection.sessionExpirySeconds());
            out.writeStringField("connectedAt", IsoInstant.format(connection.connectedAt()));
        });
    }

    public byte[] disconnected(ConnectionInfo connection, DisconnectInfo disconnect, Instant now) {
        return event(DISCONNECTED, now, connection, out -> {
            out.writeStringField("disconnectedAt",
                    disconnect.disconnectedAt() == null ? null : IsoInstant.format(disconnect.disconnectedAt()));
            out.writeStringField("reason", disconnect.reason());
            Integer reasonCode = disconnect.reasonCode();
            if (reasonCode == null) {
                out.writeNullField("reasonCode");
            } else {
                out.writeNumberField("reasonCode", reasonCode);
            }
            out.writeBooleanField("willPublished", disconnect.willPublished());
        });
    }

    public byte[] subscribed(ConnectionInfo connection, List<String> topicFilters, List<Integer> grantedQos, Instant now) {
        return event(SUBSCRIBED, now, connection, out -> {
            writeStrings(out, "topicFilters", topicFilters);
            out.writeArrayFieldStart("grantedQos");
            for (Integer qos : grantedQos) {
                if (qos == null) {
                    out.writeNull();
                } else {
                    out.writeNumber(qos);
                }
            }
            out.writeEndArray();
        });
    }

    public byte[] unsubscribed(ConnectionInfo connection, List<String> topicFilters, Instant now) {
        return event(UNSUBSCRIBED, now, connection, out -> writeStrings(out, "topicFilters", topicFilters));
    }

    /** @param startedAt when this node's publisher started: lets readers close sessions of the node's previous life */
    public byte[] heartbeat(Instant now, Instant startedAt) {
        return event(HEARTBEAT, now, null, out -> out.writeStringField("startedAt", IsoInstant.format(startedAt)));
    }

    private byte[] event(String type, Instant now, ConnectionInfo connection, Fields fields) {
        // The bytes go into the factory's recycled buffer and are copied out once: a builder of its own
        // allocated a first block and then a second, larger one for nearly every event.
        BufferRecycler recycler = factory._getBufferRecycler();
        try (ByteArrayBuilder bytes = new ByteArrayBuilder(recycler)) {
            try (JsonGenerator out = factory.createGenerator(bytes)) {
                out.writeStartObject();
                out.writeStringField("type", type);
                out.writeStringField("node", node);
                out.writeStringField("timestamp", IsoInstant.format(now));
                out.writeStringField("connectionId", connection == null ? null : connection.connectionId().toString());
                out.writeStringField("clientId", connection == null ? null : connection.clientId());
                fields.write(out);
                out.writeEndObject();
            }
            return bytes.getClearAndRelease();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a session event as JSON", e);
        } finally {
            recycler.releaseToPool();
        }
    }

    private static void writeStrings(JsonGenerator out, String field, List<String> values) throws IOException {
        out.writeArrayFieldStart(field);
        for (String value : values) {
            out.writeString(value);
        }
        out.writeEndArray();
    }

    private static String address(InetSocketAddress address) {
        return address == null ? null : address.getHostString() + ":" + address.getPort();
    }
}
