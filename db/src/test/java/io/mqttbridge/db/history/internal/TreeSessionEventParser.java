package io.mqttbridge.db.history.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** The tree-based parser the history writer used before it read session events as a stream: the reference its replacement must agree with. */
final class TreeSessionEventParser {

    private static final ObjectMapper JSON = new ObjectMapper();

    private TreeSessionEventParser() {
    }

    /** @throws MqttRecordMapper.NotAMessage when the value is not a session event this version knows */
    static SessionEvent parse(ConsumerRecord<byte[], byte[]> record) throws MqttRecordMapper.NotAMessage {
        if (record.value() == null) {
            throw new MqttRecordMapper.NotAMessage("session event without a value");
        }
        JsonNode json;
        try {
            json = JSON.readTree(record.value());
        } catch (IOException e) {
            throw new MqttRecordMapper.NotAMessage("session event is not JSON: " + e.getMessage());
        }
        if (json == null || !json.isObject()) {
            throw new MqttRecordMapper.NotAMessage("session event is not a JSON object");
        }
        String type = required(json, "type");
        String node = required(json, "node");
        Instant timestamp = instant(json, "timestamp", true);
        switch (type) {
            case "heartbeat":
                return new SessionEvent.Heartbeat(node, timestamp, instant(json, "startedAt", false));
            case "connected":
                return new SessionEvent.Connected(node, timestamp, connectionId(json), required(json, "clientId"),
                        text(json, "username"), text(json, "deviceId"), text(json, "remoteAddress"),
                        protocolVersion(integer(json, "protocolVersion")), bool(json, "cleanStart"), integer(json, "keepAlive"),
                        longValue(json, "sessionExpiry"), orElse(instant(json, "connectedAt", false), timestamp));
            case "disconnected":
                return new SessionEvent.Disconnected(node, timestamp, connectionId(json), required(json, "clientId"),
                        orElse(instant(json, "disconnectedAt", false), timestamp), text(json, "reason"),
                        integer(json, "reasonCode"), bool(json, "willPublished"));
            case "subscribed":
            case "unsubscribed":
                return new SessionEvent.Subscription(node, timestamp, connectionId(json), required(json, "clientId"),
                        type.equals("subscribed"), strings(json.get("topicFilters")), integers(json.get("grantedQos")),
                        record.topic(), record.partition(), record.offset());
            default:
                throw new MqttRecordMapper.NotAMessage("unknown session event type '" + type + "'");
        }
    }

    /** Only the levels the schema accepts; anything else is recorded as unknown rather than failing the batch. */
    private static Integer protocolVersion(Integer level) {
        return level != null && level >= 3 && level <= 5 ? level : null;
    }

    private static Instant orElse(Instant value, Instant fallback) {
        return value == null ? fallback : value;
    }

    private static String required(JsonNode json, String field) throws MqttRecordMapper.NotAMessage {
        String value = text(json, field);
        if (value == null || value.isEmpty()) {
            throw new MqttRecordMapper.NotAMessage("session event without '" + field + "'");
        }
        return value;
    }

    private static UUID connectionId(JsonNode json) throws MqttRecordMapper.NotAMessage {
        String text = required(json, "connectionId");
        try {
            return UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            throw new MqttRecordMapper.NotAMessage("session event connectionId is not a UUID: '" + text + "'");
        }
    }

    private static Instant instant(JsonNode json, String field, boolean required) throws MqttRecordMapper.NotAMessage {
        String text = text(json, field);
        if (text == null) {
            if (required) {
                throw new MqttRecordMapper.NotAMessage("session event without '" + field + "'");
            }
            return null;
        }
        try {
            Instant plain = plainUtcInstant(text);
            return plain != null ? plain : Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new MqttRecordMapper.NotAMessage("session event '" + field + "' is not an ISO-8601 instant: '" + text + "'");
        }
    }

    /**
     * The form {@link Instant#toString()} writes, and the broker sends ({@code 2026-11-26T10:00:00Z},
     * with 0-9 fraction digits), read without a {@code DateTimeFormatter}: three instants per
     * session event made {@link Instant#parse} a large part of the history writer's time in a connect
     * storm. Returns {@code null} for any other form, which {@link Instant#parse} then reads or refuses.
     */
    static Instant plainUtcInstant(String text) {
        int length = text.length();
        if (length < 20 || length > 30 || text.charAt(length - 1) != 'Z' || text.charAt(4) != '-'
                || text.charAt(7) != '-' || text.charAt(10) != 'T' || text.charAt(13) != ':' || text.charAt(16) != ':') {
            return null;
        }
        int year = digits(text, 0, 4);
        int month = digits(text, 5, 7);
        int day = digits(text, 8, 10);
        int hour = digits(text, 11, 13);
        int minute = digits(text, 14, 16);
        int second = digits(text, 17, 19);
        int nanos = 0;
        if (length > 20) {
            if (text.charAt(19) != '.' || length == 21) {
                return null;
            }
            int fraction = digits(text, 20, length - 1);
            if (fraction < 0) {
                return null;
            }
            nanos = fraction;
            for (int i = length - 1 - 20; i < 9; i++) {
                nanos *= 10;
            }
        } else if (text.charAt(19) != 'Z') {
            return null;
        }
        if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59
                || second < 0 || second > 59) {
            return null;
        }
        java.time.LocalDate date;
        try {
            date = java.time.LocalDate.of(year, month, day);
        } catch (java.time.DateTimeException e) {
            return null;
        }
        return Instant.ofEpochSecond(date.toEpochDay() * 86_400L + hour * 3_600L + minute * 60L + second, nanos);
    }

    /** The decimal number in {@code text[from, to)}, or -1 when a character is not a digit. */
    private static int digits(String text, int from, int to) {
        int value = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    private static String text(JsonNode json, String field) {
        JsonNode node = json.get(field);
        return node == null || node.isNull() ? null : node.asText().replace('\u0000', '\uFFFD');
    }

    private static Integer integer(JsonNode json, String field) {
        JsonNode node = json.get(field);
        return node == null || !node.isNumber() ? null : node.intValue();
    }

    private static Long longValue(JsonNode json, String field) {
        JsonNode node = json.get(field);
        return node == null || !node.isNumber() ? null : node.longValue();
    }

    private static Boolean bool(JsonNode json, String field) {
        JsonNode node = json.get(field);
        return node == null || !node.isBoolean() ? null : node.booleanValue();
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        if (array != null && array.isArray()) {
            array.forEach(n -> values.add(n.asText().replace('\u0000', '\uFFFD')));
        }
        return values;
    }

    private static List<Integer> integers(JsonNode array) {
        if (array == null || !array.isArray()) {
            return null;
        }
        List<Integer> values = new ArrayList<>();
        array.forEach(n -> values.add(n.isInt() ? (n.intValue() >= 0 && n.intValue() <= 255 ? n.intValue() : null)
                : n.isNumber() ? null : 0));
        return values;
    }
}
