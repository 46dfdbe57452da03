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

    /*
     * Headers whose key and value never vary are shared by every record: Kafka only reads a RecordHeader
     * made from a String key and a byte array (no lazy decoding writes to it), so one instance can sit in
     * any number of records on any number of threads.
     */
    private static final Header[] QOS_HEADERS = {
        constant(MirrorHeaders.QOS, "0"), constant(MirrorHeaders.QOS, "1"), constant(MirrorHeaders.QOS, "2")};
    private static final Header RETAIN_TRUE = constant(MirrorHeaders.RETAIN, "true");
    private static final Header RETAIN_FALSE = constant(MirrorHeaders.RETAIN, "false");
    private static final Header[] PROTOCOL_HEADERS = {constant(MirrorHeaders.PROTOCOL_VERSION, "3"),
        constant(MirrorHeaders.PROTOCOL_VERSION, "4"), constant(MirrorHeaders.PROTOCOL_VERSION, "5")};

    private final Header node;
    private final PublisherHeaders publishers = new PublisherHeaders();

    public MirrorRecordFactory(String nodeId) {
        this.node = new RecordHeader(MirrorHeaders.NODE, nodeId.getBytes(UTF_8));
    }

    /**
     * The record key of {@code route} for {@code message}: for the client id and user name strategies
     * the publisher's cached UTF-8 bytes (shared between records, never modified), else
     * {@link MirrorRoute#key}.
     */
    public byte[] key(MirrorRoute route, PublishedMessage message, String[] levels) {
        return switch (route.keyStrategy()) {
            case CLIENT_ID -> publishers.of(message.clientId(), message.username()).clientIdUtf8();
            case USERNAME -> publishers.of(message.clientId(), message.username()).usernameUtf8();
            default -> route.key(message, levels);
        };
    }

    public ProducerRecord<byte[], byte[]> create(String kafkaTopic, byte[] key, PublishedMessage message) {
        return new ProducerRecord<>(kafkaTopic, null, message.receivedAt().toEpochMilli(), key, message.payload(),
                headers(message));
    }

    List<Header> headers(PublishedMessage message) {
        MessageProperties properties = message.properties();
        List<Header> headers = new ArrayList<>(8 + properties.userProperties().size());
        add(headers, MirrorHeaders.TOPIC, message.topic());
        headers.add(QOS_HEADERS[message.qos()]);
        headers.add(message.retain() ? RETAIN_TRUE : RETAIN_FALSE);
        PublisherHeaders.Entry publisher = publishers.of(message.clientId(), message.username());
        if (publisher.clientIdHeader() != null) {
            headers.add(publisher.clientIdHeader());
        }
        if (publisher.usernameHeader() != null) {
            headers.add(publisher.usernameHeader());
        }
        if (message.protocolVersion() != null) {
            headers.add(protocolHeader(message.protocolVersion().protocolLevel()));
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
        headers.add(node);
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

    private static Header protocolHeader(int level) {
        return level >= 3 && level <= 5 ? PROTOCOL_HEADERS[level - 3]
                : constant(MirrorHeaders.PROTOCOL_VERSION, Integer.toString(level));
    }

    private static Header constant(String key, String value) {
        return new RecordHeader(key, value.getBytes(UTF_8));
    }

    private static void add(List<Header> headers, String name, String value) {
        if (value != null) {
            headers.add(new RecordHeader(name, value.getBytes(UTF_8)));
        }
    }
}
