package io.mqttbridge.db.history.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/**
 * The streaming session-event parser reads every value as the tree-based parser it replaced
 * ({@link TreeSessionEventParser}): the same event, or a refusal, for the events the broker writes and
 * for values of unexpected JSON types, duplicate keys, unknown fields, nulls and malformed input.
 */
class SessionEventParserTest {

    private static final String ID = "0f8fad5b-d9cb-469f-a165-70867728950e";
    private static final String HEAD = "\"node\":\"n\",\"timestamp\":\"2026-12-05T10:00:00.123456789Z\",\"connectionId\":\"" + ID + "\"";

    private static ConsumerRecord<byte[], byte[]> record(String json) {
        return new ConsumerRecord<>("mqtt.session-events", 2, 77, 0L, TimestampType.CREATE_TIME, 0, 0, null,
                json == null ? null : json.getBytes(StandardCharsets.UTF_8), new RecordHeaders(), Optional.empty());
    }

    private static void assertSameAsTree(String json) {
        SessionEvent expected;
        try {
            expected = TreeSessionEventParser.parse(record(json));
        } catch (MqttRecordMapper.NotAMessage refused) {
            assertThatThrownBy(() -> SessionEventParser.parse(record(json))).as(json)
                    .isInstanceOf(MqttRecordMapper.NotAMessage.class);
            return;
        }
        try {
            assertThat(SessionEventParser.parse(record(json))).as(json).isEqualTo(expected);
        } catch (MqttRecordMapper.NotAMessage e) {
            throw new AssertionError("refused what the tree parser read: " + json, e);
        }
    }

    @Test
    void theEventsTheBrokerWritesReadAsBefore() throws MqttRecordMapper.NotAMessage {
        List<String> events = List.of(
                "{\"type\":\"connected\"," + HEAD + ",\"clientId\":\"c\",\"username\":\"u\",\"deviceId\":\"d\","
                        + "\"remoteAddress\":\"127.0.0.1:5\",\"protocolVersion\":4,\"cleanStart\":true,\"keepAlive\":60,"
                        + "\"sessionExpiry\":4294967295,\"connectedAt\":\"2026-12-05T10:00:00Z\"}",
                "{\"type\":\"connected\"," + HEAD + ",\"clientId\":\"c\",\"username\":null,\"deviceId\":null,"
                        + "\"remoteAddress\":null,\"protocolVersion\":5,\"cleanStart\":false,\"keepAlive\":0,"
                        + "\"sessionExpiry\":0,\"connectedAt\":null}",
                "{\"type\":\"disconnected\"," + HEAD + ",\"clientId\":\"c\",\"disconnectedAt\":\"2026-12-05T10:00:01Z\","
                        + "\"reason\":\"keep_alive_timeout\",\"reasonCode\":141,\"willPublished\":true}",
                "{\"type\":\"disconnected\"," + HEAD + ",\"clientId\":\"c\",\"reason\":null,\"reasonCode\":null,"
                        + "\"willPublished\":null}",
                "{\"type\":\"subscribed\"," + HEAD + ",\"clientId\":\"c\",\"topicFilters\":[\"a/#\",\"b\"],\"grantedQos\":[1,0]}",
                "{\"type\":\"unsubscribed\"," + HEAD + ",\"clientId\":\"c\",\"topicFilters\":[\"a/#\"],\"grantedQos\":null}",
                "{\"type\":\"heartbeat\",\"node\":\"n\",\"timestamp\":\"2026-12-05T10:00:00Z\",\"connectionId\":null,"
                        + "\"clientId\":null,\"startedAt\":\"2026-12-05T09:00:00Z\"}",
                "{\"type\":\"heartbeat\",\"node\":\"n\",\"timestamp\":\"2026-12-05T10:00:00+01:00\"}");
        for (String event : events) {
            assertSameAsTree(event);
        }
        assertThat(SessionEventParser.parse(record(events.get(0)))).isInstanceOf(SessionEvent.Connected.class);
    }

    @Test
    void unexpectedTypesNullsDuplicatesAndUnknownFieldsReadAsTheTreeReadThem() {
        List<String> odd = List.of(
                "{\"type\":\"connected\"," + HEAD + ",\"clientId\":12,\"username\":true,\"deviceId\":1.5e3,"
                        + "\"remoteAddress\":{\"x\":[1,2]},\"protocolVersion\":\"4\",\"cleanStart\":\"true\","
                        + "\"keepAlive\":4294967297,\"sessionExpiry\":1.9,\"extra\":{\"deep\":[{\"a\":null}]}}",
                "{\"type\":\"connected\"," + HEAD + ",\"clientId\":\"c\",\"keepAlive\":123456789012345678901234567890,"
                        + "\"sessionExpiry\":-1,\"protocolVersion\":3.7,\"cleanStart\":null}",
                "{\"type\":\"connected\"," + HEAD + ",\"clientId\":\"first\",\"clientId\":\"second\"}",
                "{\"type\":\"connected\"," + HEAD + ",\"clientId\":\"nul\\u0000inside\",\"username\":\"\\u00e9\\ud83d\\ude00\"}",
                "{\"type\":\"subscribed\"," + HEAD + ",\"clientId\":\"c\",\"topicFilters\":[\"a\",1,2.5,true,null,[\"x\"],{\"y\":1},\"n\\u0000\"],"
                        + "\"grantedQos\":[1,\"2\",null,2.9,[1],{\"q\":1},99999999999]}",
                "{\"type\":\"subscribed\"," + HEAD + ",\"clientId\":\"c\",\"topicFilters\":\"a/b\",\"grantedQos\":1}",
                "{\"type\":\"subscribed\"," + HEAD + ",\"clientId\":\"c\"}",
                "{\"type\":\"disconnected\"," + HEAD + ",\"clientId\":\"c\",\"reason\":[],\"reasonCode\":false,"
                        + "\"willPublished\":0} trailing",
                "{\"type\":\"heartbeat\",\"node\":\"n\",\"timestamp\":\"2026-12-05T10:00:00Z\",\"startedAt\":7}");
        for (String event : odd) {
            assertSameAsTree(event);
        }
    }

    @Test
    void whatTheTreeParserRefusedIsRefused() {
        List<String> refused = new ArrayList<>(List.of(
                "", "   ", "null", "[]", "[{\"type\":\"heartbeat\"}]", "\"text\"", "42", "not json", "{", "{\"type\":",
                "{\"type\":\"connected\"," + HEAD + ",\"clientId\":\"c\"",
                "{\"type\":\"teleported\",\"node\":\"n\",\"timestamp\":\"2026-12-05T10:00:00Z\"}",
                "{\"type\":\"connected\",\"node\":\"n\",\"timestamp\":\"2026-12-05T10:00:00Z\",\"connectionId\":\"x\",\"clientId\":\"c\"}",
                "{\"type\":\"connected\"," + HEAD + "}",
                "{\"type\":\"connected\"," + HEAD + ",\"clientId\":\"\"}",
                "{\"type\":\"connected\",\"node\":\"n\",\"connectionId\":\"" + ID + "\",\"clientId\":\"c\"}",
                "{\"type\":\"connected\",\"node\":\"n\",\"timestamp\":\"yesterday\",\"connectionId\":\"" + ID + "\",\"clientId\":\"c\"}",
                "{\"type\":\"disconnected\"," + HEAD + ",\"clientId\":\"c\",\"disconnectedAt\":\"soon\"}",
                "{\"node\":\"n\",\"timestamp\":\"2026-12-05T10:00:00Z\"}",
                "{\"type\":{\"a\":1},\"node\":\"n\",\"timestamp\":\"2026-12-05T10:00:00Z\"}",
                "{\"type\":\"heartbeat\",\"node\":null,\"timestamp\":\"2026-12-05T10:00:00Z\"}"));
        for (String json : refused) {
            assertThatThrownBy(() -> TreeSessionEventParser.parse(record(json))).as("reference refuses " + json)
                    .isInstanceOf(MqttRecordMapper.NotAMessage.class);
            assertSameAsTree(json);
        }
        assertThatThrownBy(() -> SessionEventParser.parse(record(null))).isInstanceOf(MqttRecordMapper.NotAMessage.class);
    }

    @Test
    void randomEventsReadAsBefore() {
        Random random = new Random(4);
        String[] values = {"\"s\"", "null", "0", "-7", "3000000000", "1.25", "true", "false", "[]", "{}", "[1,\"a\"]",
                "\"2026-12-05T10:00:00.5Z\"", "\"" + UUID.randomUUID() + "\"", "\"\""};
        String[] fields = {"type", "node", "timestamp", "startedAt", "connectionId", "clientId", "username", "deviceId",
                "remoteAddress", "protocolVersion", "cleanStart", "keepAlive", "sessionExpiry", "connectedAt",
                "disconnectedAt", "reason", "reasonCode", "willPublished", "topicFilters", "grantedQos", "other"};
        String[] types = {"connected", "disconnected", "subscribed", "unsubscribed", "heartbeat"};
        for (int i = 0; i < 5_000; i++) {
            StringBuilder json = new StringBuilder("{\"type\":\"").append(types[random.nextInt(types.length)])
                    .append("\",\"node\":\"n\",\"timestamp\":\"").append(Instant.ofEpochSecond(random.nextInt(2_000_000_000),
                            random.nextInt(1_000_000_000))).append("\",\"connectionId\":\"").append(ID)
                    .append("\",\"clientId\":\"c\"");
            int extra = random.nextInt(8);
            for (int f = 0; f < extra; f++) {
                json.append(",\"").append(fields[random.nextInt(fields.length)]).append("\":")
                        .append(values[random.nextInt(values.length)]);
            }
            assertSameAsTree(json.append('}').toString());
        }
    }
}
