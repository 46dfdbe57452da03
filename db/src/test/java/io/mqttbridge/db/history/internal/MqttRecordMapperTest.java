package io.mqttbridge.db.history.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class MqttRecordMapperTest {

    private static final Instant AT = Instant.parse("2026-12-05T10:00:00.123Z");

    private static ConsumerRecord<byte[], byte[]> record(String... headers) {
        RecordHeaders h = new RecordHeaders();
        for (int i = 0; i < headers.length; i += 2) {
            h.add(headers[i], headers[i + 1] == null ? null : headers[i + 1].getBytes(StandardCharsets.UTF_8));
        }
        return new ConsumerRecord<>("mqtt.messages", 3, 42, AT.toEpochMilli(), TimestampType.CREATE_TIME, 0, 0, null,
                new byte[] {7}, h, Optional.empty());
    }

    @Test
    void aMirroredRecordBecomesARowWithEveryField() throws Exception {
        MessageRow row = MqttRecordMapper.map(record("mqtt.topic", "site/7/temp", "mqtt.qos", "1", "mqtt.retain", "true",
                "mqtt.client_id", "c-1", "mqtt.username", "alice", "mqtt.protocol_version", "5",
                "mqtt.content_type", "text/plain", "mqtt.user.site", "north", "mqtt.user.tag", "a", "mqtt.node", "n-1"));

        assertThat(row).isEqualTo(new MessageRow(AT, "site/7/temp", "c-1", "alice", "n-1", (short) 1, true, row.payload(),
                "text/plain", "[[\"site\",\"north\"],[\"tag\",\"a\"]]", "mqtt.messages", 3, 42));
        assertThat(row.payload()).containsExactly(7);
    }

    @Test
    void theLastOfARepeatedHeaderWinsAndAbsentOnesAreNullOrDefaults() throws Exception {
        MessageRow row = MqttRecordMapper.map(record("mqtt.client_id", "first", "mqtt.topic", "a/b",
                "mqtt.client_id", "second", "mqtt.username", "u", "mqtt.username", null));

        assertThat(row.clientId()).isEqualTo("second");
        assertThat(row.username()).as("the last username header has no value").isNull();
        assertThat(row.qos()).isZero();
        assertThat(row.retain()).isFalse();
        assertThat(row.nodeId()).isNull();
        assertThat(row.userPropertiesJson()).isNull();
    }

    @Test
    void valuesWrittenByOtherProducersAreReadAsBefore() throws Exception {
        MessageRow row = MqttRecordMapper.map(record("mqtt.topic", "a", "mqtt.qos", " 2 ", "mqtt.retain", "TRUE",
                "mqtt.client_id", "x\u0000y"));

        assertThat(row.qos()).isEqualTo((short) 2);
        assertThat(row.retain()).isTrue();
        assertThat(row.clientId()).isEqualTo("x\uFFFDy");
        assertThat(MqttRecordMapper.map(record("mqtt.topic", "a", "mqtt.retain", "yes")).retain()).isFalse();
    }

    @Test
    void recordsThatAreNotMessagesAreRefusedWithTheReason() {
        assertThatThrownBy(() -> MqttRecordMapper.map(record("mqtt.qos", "1")))
                .isInstanceOf(MqttRecordMapper.NotAMessage.class).hasMessageContaining("no mqtt.topic");
        assertThatThrownBy(() -> MqttRecordMapper.map(record("mqtt.topic", null)))
                .isInstanceOf(MqttRecordMapper.NotAMessage.class).hasMessageContaining("no mqtt.topic");
        assertThatThrownBy(() -> MqttRecordMapper.map(record("mqtt.topic", "a/+")))
                .isInstanceOf(MqttRecordMapper.NotAMessage.class).hasMessageContaining("invalid MQTT topic");
        assertThatThrownBy(() -> MqttRecordMapper.map(record("mqtt.topic", "a", "mqtt.qos", "3")))
                .isInstanceOf(MqttRecordMapper.NotAMessage.class).hasMessageContaining("invalid mqtt.qos");
    }
}
