package io.mqttbridge.db.history.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mqttbridge.broker.spi.TopicFilters;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * Reads a mirrored MQTT message from a Kafka record, per the record format in
 * docs/ARCHITECTURE.md (MQTT fields in {@code mqtt.*} headers, the payload as the value, the
 * broker's receive time as the timestamp).
 */
final class MqttRecordMapper {

    static final String TOPIC = "mqtt.topic";
    static final String QOS = "mqtt.qos";
    static final String RETAIN = "mqtt.retain";
    static final String CLIENT_ID = "mqtt.client_id";
    static final String USERNAME = "mqtt.username";
    static final String CONTENT_TYPE = "mqtt.content_type";
    static final String NODE = "mqtt.node";
    static final String USER_PROPERTY_PREFIX = "mqtt.user.";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] EMPTY = new byte[0];
    private static final byte[] TRUE = "true".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FALSE = "false".getBytes(StandardCharsets.US_ASCII);

    /** Why a record is not a message row. */
    static final class NotAMessage extends Exception {
        NotAMessage(String reason) {
            super(reason, null, false, false);
        }
    }

    private MqttRecordMapper() {
    }

    static MessageRow map(ConsumerRecord<byte[], byte[]> record) throws NotAMessage {
        // One pass over the headers (the last of a repeated key wins, as with lastHeader) instead of a
        // backwards search per field: every record has about seven.
        byte[] topicValue = null;
        byte[] qosValue = null;
        byte[] retainValue = null;
        byte[] clientId = null;
        byte[] username = null;
        byte[] node = null;
        byte[] contentType = null;
        List<List<String>> userProperties = null;
        for (Header h : record.headers()) {
            String key = h.key();
            switch (key) {
                case TOPIC -> topicValue = h.value();
                case QOS -> qosValue = h.value();
                case RETAIN -> retainValue = h.value();
                case CLIENT_ID -> clientId = h.value();
                case USERNAME -> username = h.value();
                case NODE -> node = h.value();
                case CONTENT_TYPE -> contentType = h.value();
                default -> {
                    if (key.startsWith(USER_PROPERTY_PREFIX)) {
                        if (userProperties == null) {
                            userProperties = new ArrayList<>();
                        }
                        userProperties.add(List.of(clean(key.substring(USER_PROPERTY_PREFIX.length())), text(h.value())));
                    }
                }
            }
        }
        String topic = nullableText(topicValue);
        if (topic == null) {
            throw new NotAMessage("no " + TOPIC + " header");
        }
        String problem = TopicFilters.validateTopicName(topic);
        if (problem != null) {
            throw new NotAMessage("invalid MQTT topic: " + problem);
        }
        if (record.timestamp() < 0) {
            throw new NotAMessage("no timestamp");
        }
        short qos = qosValue != null && qosValue.length == 1 && qosValue[0] >= '0' && qosValue[0] <= '2'
                ? (short) (qosValue[0] - '0') : parseQos(nullableText(qosValue)); // the mirror writes one digit
        return new MessageRow(
                Instant.ofEpochMilli(record.timestamp()),
                topic,
                nullableText(clientId),
                nullableText(username),
                nullableText(node),
                qos,
                retain(retainValue),
                record.value() == null ? EMPTY : record.value(),
                nullableText(contentType),
                userProperties == null ? null : json(userProperties),
                record.topic(),
                record.partition(),
                record.offset());
    }

    private static short parseQos(String text) throws NotAMessage {
        if (text == null) {
            return 0;
        }
        switch (text.trim()) {
            case "0":
                return 0;
            case "1":
                return 1;
            case "2":
                return 2;
            default:
                throw new NotAMessage("invalid " + QOS + " header '" + text + "'");
        }
    }

    /** "true" in any case, as Boolean.parseBoolean; the mirror's own "true" and "false" without decoding. */
    private static boolean retain(byte[] value) {
        if (value == null || Arrays.equals(value, FALSE)) {
            return false;
        }
        return Arrays.equals(value, TRUE) || Boolean.parseBoolean(text(value));
    }

    private static String nullableText(byte[] value) {
        return value == null ? null : text(value);
    }

    private static String text(byte[] bytes) {
        return bytes == null ? "" : clean(new String(bytes, StandardCharsets.UTF_8));
    }

    /** PostgreSQL text and jsonb cannot hold U+0000; MQTT strings must not contain it anyway. */
    private static String clean(String s) {
        return s.indexOf('\u0000') < 0 ? s : s.replace('\u0000', '\uFFFD');
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
