package io.mqttbridge.db.history.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Parses the JSON value of a session-event record.
 *
 * <p>Reads the object token by token into the fields it knows ({@link Fields}) instead of building a
 * Jackson tree first: the tree (a {@code LinkedHashMap} node per field) was most of the history
 * writer's parsing cost in a connect storm. A field is read as the tree's accessors read it
 * ({@code asText}, {@code intValue}, {@code longValue}, {@code booleanValue}), so a value of an
 * unexpected JSON type gives the same result as before; the last of duplicate keys wins, other
 * fields are skipped, anything after the object is ignored.
 */
final class SessionEventParser {

    private static final JsonFactory JSON = new JsonFactory();

    private SessionEventParser() {
    }

    /** @throws MqttRecordMapper.NotAMessage when the value is not a session event this version knows */
    static SessionEvent parse(ConsumerRecord<byte[], byte[]> record) throws MqttRecordMapper.NotAMessage {
        if (record.value() == null) {
            throw new MqttRecordMapper.NotAMessage("session event without a value");
        }
        Fields json = read(record.value());
        String type = required(json.type, "type");
        String node = required(json.node, "node");
        Instant timestamp = instant(json.timestamp, "timestamp", true);
        switch (type) {
            case "heartbeat":
                return new SessionEvent.Heartbeat(node, timestamp, instant(json.startedAt, "startedAt", false));
            case "connected":
                return new SessionEvent.Connected(node, timestamp, connectionId(json), required(json.clientId, "clientId"),
                        json.username, json.deviceId, json.remoteAddress, protocolVersion(json.protocolVersion),
                        json.cleanStart, json.keepAlive, json.sessionExpiry,
                        orElse(instant(json.connectedAt, "connectedAt", false), timestamp));
            case "disconnected":
                return new SessionEvent.Disconnected(node, timestamp, connectionId(json), required(json.clientId, "clientId"),
                        orElse(instant(json.disconnectedAt, "disconnectedAt", false), timestamp), json.reason,
                        json.reasonCode, json.willPublished);
            case "subscribed":
            case "unsubscribed":
                return new SessionEvent.Subscription(node, timestamp, connectionId(json), required(json.clientId, "clientId"),
                        type.equals("subscribed"), json.topicFilters == null ? new ArrayList<>() : json.topicFilters,
                        json.grantedQos, record.topic(), record.partition(), record.offset());
            default:
                throw new MqttRecordMapper.NotAMessage("unknown session event type '" + type + "'");
        }
    }

    /** The fields of one session event as the tree accessors read them; {@code null} when absent or JSON null. */
    private static final class Fields {
        String type;
        String node;
        String timestamp;
        String startedAt;
        String connectionId;
        String clientId;
        String username;
        String deviceId;
        String remoteAddress;
        Integer protocolVersion;
        Boolean cleanStart;
        Integer keepAlive;
        Long sessionExpiry;
        String connectedAt;
        String disconnectedAt;
        String reason;
        Integer reasonCode;
        Boolean willPublished;
        List<String> topicFilters;
        List<Integer> grantedQos;
    }

    private static Fields read(byte[] value) throws MqttRecordMapper.NotAMessage {
        Fields fields = new Fields();
        try (JsonParser parser = JSON.createParser(value)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new MqttRecordMapper.NotAMessage("session event is not a JSON object");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken token = parser.nextToken();
                switch (name) {
                    case "type" -> fields.type = text(parser, token);
                    case "node" -> fields.node = text(parser, token);
                    case "timestamp" -> fields.timestamp = text(parser, token);
                    case "startedAt" -> fields.startedAt = text(parser, token);
                    case "connectionId" -> fields.connectionId = text(parser, token);
                    case "clientId" -> fields.clientId = text(parser, token);
                    case "username" -> fields.username = text(parser, token);
                    case "deviceId" -> fields.deviceId = text(parser, token);
                    case "remoteAddress" -> fields.remoteAddress = text(parser, token);
                    case "protocolVersion" -> fields.protocolVersion = integer(parser, token);
                    case "cleanStart" -> fields.cleanStart = bool(parser, token);
                    case "keepAlive" -> fields.keepAlive = integer(parser, token);
                    case "sessionExpiry" -> fields.sessionExpiry = longValue(parser, token);
                    case "connectedAt" -> fields.connectedAt = text(parser, token);
                    case "disconnectedAt" -> fields.disconnectedAt = text(parser, token);
                    case "reason" -> fields.reason = text(parser, token);
                    case "reasonCode" -> fields.reasonCode = integer(parser, token);
                    case "willPublished" -> fields.willPublished = bool(parser, token);
                    case "topicFilters" -> fields.topicFilters = strings(parser, token);
                    case "grantedQos" -> fields.grantedQos = integers(parser, token);
                    default -> parser.skipChildren();
                }
            }
            if (parser.currentToken() != JsonToken.END_OBJECT) {
                throw new MqttRecordMapper.NotAMessage("session event is not JSON: unexpected " + parser.currentToken());
            }
        } catch (IOException e) {
            throw new MqttRecordMapper.NotAMessage("session event is not JSON: " + e.getMessage());
        }
        return fields;
    }

    /** Only the levels the schema accepts; anything else is recorded as unknown rather than failing the batch. */
    private static Integer protocolVersion(Integer level) {
        return level != null && level >= 3 && level <= 5 ? level : null;
    }

    private static Instant orElse(Instant value, Instant fallback) {
        return value == null ? fallback : value;
    }

    private static String required(String value, String field) throws MqttRecordMapper.NotAMessage {
        if (value == null || value.isEmpty()) {
            throw new MqttRecordMapper.NotAMessage("session event without '" + field + "'");
        }
        return value;
    }

    private static UUID connectionId(Fields json) throws MqttRecordMapper.NotAMessage {
        String text = required(json.connectionId, "connectionId");
        try {
            return UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            throw new MqttRecordMapper.NotAMessage("session event connectionId is not a UUID: '" + text + "'");
        }
    }

    private static Instant instant(String text, String field, boolean required) throws MqttRecordMapper.NotAMessage {
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

    /** {@code JsonNode.asText()} of the value: containers read as "", JSON null as {@code null}. */
    private static String text(JsonParser parser, JsonToken token) throws IOException {
        String text = anyText(parser, token);
        return token == JsonToken.VALUE_NULL ? null : text.replace('\u0000', '\uFFFD');
    }

    /** {@code JsonNode.asText()} of any value, JSON null included ("null"); skips a container. */
    private static String anyText(JsonParser parser, JsonToken token) throws IOException {
        return switch (token) {
            case VALUE_STRING -> parser.getText();
            case VALUE_NUMBER_INT -> parser.getNumberValue().toString();
            case VALUE_NUMBER_FLOAT -> Double.toString(parser.getDoubleValue());
            case VALUE_TRUE -> "true";
            case VALUE_FALSE -> "false";
            case VALUE_NULL -> "null";
            default -> {
                parser.skipChildren();
                yield "";
            }
        };
    }

    /** {@code JsonNode.intValue()} of a number (narrowed as Java narrows); {@code null} for anything else. */
    private static Integer integer(JsonParser parser, JsonToken token) throws IOException {
        parser.skipChildren();
        return token.isNumeric() ? parser.getNumberValue().intValue() : null;
    }

    private static Long longValue(JsonParser parser, JsonToken token) throws IOException {
        parser.skipChildren();
        return token.isNumeric() ? parser.getNumberValue().longValue() : null;
    }

    private static Boolean bool(JsonParser parser, JsonToken token) throws IOException {
        parser.skipChildren();
        return token.isBoolean() ? token == JsonToken.VALUE_TRUE : null;
    }

    /** Each element's {@code asText()}; an empty list when the value is not an array. */
    private static List<String> strings(JsonParser parser, JsonToken token) throws IOException {
        List<String> values = new ArrayList<>();
        if (token != JsonToken.START_ARRAY) {
            parser.skipChildren();
            return values;
        }
        for (JsonToken element = parser.nextToken(); element != JsonToken.END_ARRAY; element = parser.nextToken()) {
            values.add(anyText(parser, element).replace('\u0000', '\uFFFD'));
        }
        return values;
    }

    /** Each element's {@code intValue()} (0 for a non-number); {@code null} when the value is not an array. */
    private static List<Integer> integers(JsonParser parser, JsonToken token) throws IOException {
        if (token != JsonToken.START_ARRAY) {
            parser.skipChildren();
            return null;
        }
        List<Integer> values = new ArrayList<>();
        for (JsonToken element = parser.nextToken(); element != JsonToken.END_ARRAY; element = parser.nextToken()) {
            if (element == JsonToken.VALUE_NUMBER_INT && parser.getNumberType() == JsonParser.NumberType.INT) {
                // A granted QoS or SUBACK reason code is one byte; anything else (a crafted record) is
                // recorded as unknown rather than refused by the smallint column.
                int value = parser.getIntValue();
                values.add(value >= 0 && value <= 255 ? value : null);
            } else if (element.isNumeric()) {
                values.add(null);
            } else {
                parser.skipChildren();
                values.add(0);
            }
        }
        return values;
    }
}
