package io.mqttbridge.db.store.internal;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mqttbridge.broker.spi.MessageProperties;
import io.mqttbridge.broker.spi.MqttVersion;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.SessionSnapshot.PendingMessage;
import io.mqttbridge.broker.spi.SessionSnapshot.StoredSubscription;
import io.mqttbridge.broker.spi.UserProperty;
import java.time.Instant;
import java.util.List;

/**
 * The JSON forms of the broker state in the jsonb columns: plain records of their own, so that a
 * change of the SPI records cannot silently change what is stored. Byte arrays are base64 strings,
 * instants ISO-8601 strings (nanoseconds kept); absent optional fields are left out.
 */
public final class BrokerStateJson {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .setSerializationInclusion(JsonInclude.Include.NON_NULL)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final TypeReference<List<SubscriptionJson>> SUBSCRIPTIONS = new TypeReference<>() {
    };
    private static final TypeReference<List<PendingJson>> PENDING = new TypeReference<>() {
    };

    record SubscriptionJson(String filter, int qos, boolean noLocal, boolean retainAsPublished, int retainHandling,
                            Integer subscriptionId) {
    }

    record UserPropertyJson(String name, String value) {
    }

    record PropertiesJson(Integer payloadFormat, Long expirySeconds, String contentType, String responseTopic,
                          byte[] correlationData, List<UserPropertyJson> userProperties) {
    }

    record MessageJson(String topic, byte[] payload, int qos, boolean retain, String clientId, String username,
                       Integer protocolLevel, String receivedAt, PropertiesJson properties) {
    }

    record PendingJson(MessageJson message, int qos, int packetId, boolean released, List<Integer> subscriptionIds) {
    }

    private BrokerStateJson() {
    }

    public static String writeSubscriptions(List<StoredSubscription> subscriptions) {
        return write(subscriptions.stream()
                .map(s -> new SubscriptionJson(s.topicFilter(), s.qos(), s.noLocal(), s.retainAsPublished(),
                        s.retainHandling(), s.subscriptionIdentifier()))
                .toList());
    }

    public static List<StoredSubscription> readSubscriptions(String json) {
        return read(json, SUBSCRIPTIONS).stream()
                .map(s -> new StoredSubscription(s.filter(), s.qos(), s.noLocal(), s.retainAsPublished(),
                        s.retainHandling(), s.subscriptionId()))
                .toList();
    }

    public static String writePending(List<PendingMessage> pending) {
        return write(pending.stream()
                .map(p -> new PendingJson(message(p.message()), p.qos(), p.packetId(), p.released(),
                        p.subscriptionIdentifiers()))
                .toList());
    }

    public static List<PendingMessage> readPending(String json) {
        return read(json, PENDING).stream()
                .map(p -> new PendingMessage(message(p.message()), p.qos(), p.packetId(), p.released(),
                        p.subscriptionIds()))
                .toList();
    }

    /** One application message, as in the {@code message} field of a pending message. */
    public static String writeMessage(PublishedMessage message) {
        return write(message(message));
    }

    public static PublishedMessage readMessage(String json) {
        return message(read(json, new TypeReference<MessageJson>() {
        }));
    }

    public static String writeProperties(MessageProperties properties) {
        return write(properties(properties));
    }

    public static MessageProperties readProperties(String json) {
        return properties(read(json, new TypeReference<PropertiesJson>() {
        }));
    }

    private static MessageJson message(PublishedMessage m) {
        return new MessageJson(m.topic(), m.payload(), m.qos(), m.retain(), m.clientId(), m.username(),
                m.protocolVersion() == null ? null : m.protocolVersion().protocolLevel(), m.receivedAt().toString(),
                m.properties().isEmpty() ? null : properties(m.properties()));
    }

    private static PublishedMessage message(MessageJson m) {
        return new PublishedMessage(m.topic(), m.payload() == null ? new byte[0] : m.payload(), m.qos(), m.retain(),
                m.clientId(), m.username(),
                m.protocolLevel() == null ? null : MqttVersion.ofProtocolLevel(m.protocolLevel()),
                Instant.parse(m.receivedAt()), properties(m.properties()));
    }

    private static PropertiesJson properties(MessageProperties p) {
        return new PropertiesJson(p.payloadFormatIndicator(), p.messageExpiryIntervalSeconds(), p.contentType(),
                p.responseTopic(), p.correlationData(),
                p.userProperties().isEmpty() ? null
                        : p.userProperties().stream().map(u -> new UserPropertyJson(u.name(), u.value())).toList());
    }

    private static MessageProperties properties(PropertiesJson p) {
        if (p == null) {
            return MessageProperties.NONE;
        }
        MessageProperties properties = new MessageProperties(p.payloadFormat(), p.expirySeconds(), p.contentType(),
                p.responseTopic(), p.correlationData(),
                p.userProperties() == null ? List.of()
                        : p.userProperties().stream().map(u -> new UserProperty(u.name(), u.value())).toList());
        return properties.isEmpty() ? MessageProperties.NONE : properties;
    }

    private static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("broker state cannot be written as JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static <T> T read(String json, TypeReference<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored broker state is not valid JSON of its kind: "
                    + e.getOriginalMessage(), e);
        }
    }
}
