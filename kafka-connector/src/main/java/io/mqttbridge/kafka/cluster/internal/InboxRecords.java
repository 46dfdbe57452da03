package io.mqttbridge.kafka.cluster.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.mqttbridge.broker.spi.ClusterFabric.ForwardedScope;
import io.mqttbridge.broker.spi.MessageProperties;
import io.mqttbridge.broker.spi.MqttVersion;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.UserProperty;
import io.mqttbridge.kafka.mirror.internal.MirrorHeaders;
import io.mqttbridge.kafka.mirror.internal.MirrorRecordFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * The records of a node's inbox: the mirror's record format (payload as value, receive time as
 * timestamp, the {@code mqtt.*} headers with every MQTT 5 property and the origin node), keyed by
 * the publisher's client id so that each publisher's messages stay in order, plus what the
 * receiving node needs: which of its subscriptions the message is for and a message id.
 */
public final class InboxRecords {

    /** {@code all}: non-shared subscriptions and the listed shared groups; {@code shared}: only the listed groups. */
    public static final String SCOPE = "mqtt.cluster.scope";
    /** One header per shared group ({@code $share/g/f}) the receiving node serves for this message. */
    public static final String SHARE = "mqtt.cluster.share";
    /**
     * On a record re-forwarded by the node a session was handed over from: the client id of the
     * one session the record is for.
     */
    public static final String CLIENT = "mqtt.cluster.client";
    /** {@code <origin node>:<origin instance>:<sequence>}, unique per message and target. */
    public static final String MESSAGE_ID = "mqtt.cluster.message_id";

    private static final byte[] ALL = "all".getBytes(UTF_8);
    private static final byte[] SHARED_ONLY = "shared".getBytes(UTF_8);

    private final MirrorRecordFactory mirrorFormat;

    public InboxRecords(String nodeId) {
        this.mirrorFormat = new MirrorRecordFactory(nodeId);
    }

    public ProducerRecord<byte[], byte[]> create(String inboxTopic, PublishedMessage message, boolean nonShared,
            List<String> sharedTopicFilters, String messageId) {
        String keySource = message.clientId() != null ? message.clientId() : message.topic();
        ProducerRecord<byte[], byte[]> record = mirrorFormat.create(inboxTopic, keySource.getBytes(UTF_8), message);
        record.headers().add(new RecordHeader(SCOPE, nonShared ? ALL : SHARED_ONLY));
        if (sharedTopicFilters != null) {
            for (String filter : sharedTopicFilters) {
                record.headers().add(new RecordHeader(SHARE, filter.getBytes(UTF_8)));
            }
        }
        record.headers().add(new RecordHeader(MESSAGE_ID, messageId.getBytes(UTF_8)));
        return record;
    }

    /** A record for {@code clientId}'s session alone, re-forwarded to the node that holds it now. */
    public ProducerRecord<byte[], byte[]> reforwarded(String inboxTopic, PublishedMessage message, String clientId,
            String messageId) {
        ProducerRecord<byte[], byte[]> record = create(inboxTopic, message, false, null, messageId);
        record.headers().add(new RecordHeader(CLIENT, clientId.getBytes(UTF_8)));
        return record;
    }

    /** The message as the origin node accepted it. @throws IllegalArgumentException for a record not in this format */
    public static PublishedMessage message(ConsumerRecord<byte[], byte[]> record) {
        String topic = null;
        int qos = 0;
        boolean retain = false;
        String clientId = null;
        String username = null;
        MqttVersion version = null;
        String contentType = null;
        Integer payloadFormat = null;
        String responseTopic = null;
        byte[] correlationData = null;
        Long expiry = null;
        List<UserProperty> userProperties = new ArrayList<>(0);
        for (Header header : record.headers()) {
            String name = header.key();
            byte[] raw = header.value();
            if (raw == null) {
                continue;
            }
            switch (name) {
                case MirrorHeaders.TOPIC -> topic = text(raw);
                case MirrorHeaders.QOS -> qos = Integer.parseInt(text(raw));
                case MirrorHeaders.RETAIN -> retain = Boolean.parseBoolean(text(raw));
                case MirrorHeaders.CLIENT_ID -> clientId = text(raw);
                case MirrorHeaders.USERNAME -> username = text(raw);
                case MirrorHeaders.PROTOCOL_VERSION -> version = MqttVersion.ofProtocolLevel(Integer.parseInt(text(raw)));
                case MirrorHeaders.CONTENT_TYPE -> contentType = text(raw);
                case MirrorHeaders.PAYLOAD_FORMAT -> payloadFormat = Integer.valueOf(text(raw));
                case MirrorHeaders.RESPONSE_TOPIC -> responseTopic = text(raw);
                case MirrorHeaders.CORRELATION_DATA -> correlationData = raw;
                case MirrorHeaders.MESSAGE_EXPIRY -> expiry = Long.valueOf(text(raw));
                default -> {
                    if (name.startsWith(MirrorHeaders.USER_PROPERTY_PREFIX)) {
                        userProperties.add(new UserProperty(name.substring(MirrorHeaders.USER_PROPERTY_PREFIX.length()),
                                text(raw)));
                    }
                }
            }
        }
        if (topic == null) {
            throw new IllegalArgumentException("no " + MirrorHeaders.TOPIC + " header");
        }
        MessageProperties properties = new MessageProperties(payloadFormat, expiry, contentType, responseTopic,
                correlationData, userProperties);
        return new PublishedMessage(topic, record.value() == null ? new byte[0] : record.value(), qos, retain, clientId,
                username, version, Instant.ofEpochMilli(record.timestamp()), properties.isEmpty() ? MessageProperties.NONE
                        : properties);
    }

    /** Which of the receiving node's subscriptions the record is for. */
    public static ForwardedScope scope(ConsumerRecord<byte[], byte[]> record) {
        Header scope = record.headers().lastHeader(SCOPE);
        boolean nonShared = scope == null || !"shared".equals(text(scope.value()));
        Set<String> shared = new LinkedHashSet<>(0);
        for (Header header : record.headers().headers(SHARE)) {
            shared.add(text(header.value()));
        }
        Header client = record.headers().lastHeader(CLIENT);
        return new ForwardedScope(nonShared && client == null, shared, client == null ? null : text(client.value()));
    }

    private static String text(byte[] raw) {
        return new String(raw, UTF_8);
    }
}
