package io.mqttbridge.kafka.mirror.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.mqttbridge.broker.spi.MessageProperties;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.UserProperty;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * Turns an MQTT message into the Kafka record the "Kafka record format" in docs/ARCHITECTURE.md
 * describes: payload untouched as value, receive time as timestamp, MQTT metadata as headers
 * (absent when the MQTT field is absent).
 */
public final class MirrorRecordFactory {

    private static final byte[][] QOS_VALUES = {utf8("0"), utf8("1"), utf8("2")};
    private static final byte[] TRUE = utf8("true");
    private static final byte[] FALSE = utf8("false");
    private static final byte[][] PROTOCOL_LEVELS = {utf8("3"), utf8("4"), utf8("5")};

    private final byte[] node;

    public MirrorRecordFactory(String nodeId) {
        this.node = nodeId.getBytes(UTF_8);
    }

    public ProducerRecord<byte[], byte[]> create(String kafkaTopic, byte[] key, PublishedMessage message) {
        return create(kafkaTopic, key, false, message);
    }

    /**
     * @param keyIsClientId whether {@code key} holds the UTF-8 client id, which the client id header
     *     then shares instead of encoding it again (neither is ever modified)
     */
    public ProducerRecord<byte[], byte[]> create(String kafkaTopic, byte[] key, boolean keyIsClientId,
            PublishedMessage message) {
        return new ProducerRecord<>(kafkaTopic, null, message.receivedAt().toEpochMilli(), key, message.payload(),
                headers(message, keyIsClientId && key != null ? key : null));
    }

    List<Header> headers(PublishedMessage message) {
        return headers(message, null);
    }

    private List<Header> headers(PublishedMessage message, byte[] clientIdUtf8) {
        MessageProperties properties = message.properties();
        List<Header> headers = new ArrayList<>(8 + properties.userProperties().size());
        add(headers, MirrorHeaders.TOPIC, message.topic());
        // Shared constant values (Kafka only reads header values) instead of a new String and array per message.
        headers.add(new RecordHeader(MirrorHeaders.QOS, QOS_VALUES[message.qos()]));
        headers.add(new RecordHeader(MirrorHeaders.RETAIN, message.retain() ? TRUE : FALSE));
        if (clientIdUtf8 != null) {
            headers.add(new RecordHeader(MirrorHeaders.CLIENT_ID, clientIdUtf8));
        } else {
            add(headers, MirrorHeaders.CLIENT_ID, message.clientId());
        }
        add(headers, MirrorHeaders.USERNAME, message.username());
        if (message.protocolVersion() != null) {
            headers.add(new RecordHeader(MirrorHeaders.PROTOCOL_VERSION,
                    protocolLevel(message.protocolVersion().protocolLevel())));
        }
        add(headers, MirrorHeaders.CONTENT_TYPE, properties.contentType());
        if (properties.payloadFormatIndicator() != null) {
            add(headers, MirrorHeaders.PAYLOAD_FORMAT, properties.payloadFormatIndicator().toString());
        }
        add(headers, MirrorHeaders.RESPONSE_TOPIC, properties.responseTopic());
        if (properties.correlationData() != null) {
            headers.add(new RecordHeader(MirrorHeaders.CORRELATION_DATA, properties.correlationData()));
        }
        if (properties.messageExpiryIntervalSeconds() != null) {
            add(headers, MirrorHeaders.MESSAGE_EXPIRY, properties.messageExpiryIntervalSeconds().toString());
        }
        for (UserProperty property : properties.userProperties()) {
            add(headers, MirrorHeaders.USER_PROPERTY_PREFIX + property.name(), property.value());
        }
        headers.add(new RecordHeader(MirrorHeaders.NODE, node));
        return headers;
    }

    /** A cheap upper-bound estimate of the bytes a record holds in the producer, for back-pressure. */
    public static int estimateSize(ProducerRecord<byte[], byte[]> record) {
        int size = 64 + record.topic().length() + record.value().length;
        if (record.key() != null) {
            size += record.key().length;
        }
        for (Header header : record.headers()) {
            size += header.key().length() + (header.value() == null ? 0 : header.value().length) + 8;
        }
        return size;
    }

    private static byte[] protocolLevel(int level) {
        return level >= 3 && level <= 5 ? PROTOCOL_LEVELS[level - 3] : utf8(Integer.toString(level));
    }

    private static byte[] utf8(String text) {
        return text.getBytes(UTF_8);
    }

    private static void add(List<Header> headers, String name, String value) {
        if (value != null) {
            headers.add(new RecordHeader(name, value.getBytes(UTF_8)));
        }
    }
}
