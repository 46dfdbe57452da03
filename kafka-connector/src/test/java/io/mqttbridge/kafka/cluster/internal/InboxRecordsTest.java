package io.mqttbridge.kafka.cluster.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mqttbridge.broker.spi.ClusterFabric.ForwardedScope;
import io.mqttbridge.broker.spi.MessageProperties;
import io.mqttbridge.broker.spi.MqttVersion;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.UserProperty;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class InboxRecordsTest {

    private static ConsumerRecord<byte[], byte[]> received(ProducerRecord<byte[], byte[]> sent) {
        return new ConsumerRecord<>(sent.topic(), 0, 0, sent.timestamp(), TimestampType.CREATE_TIME, -1, -1,
                sent.key(), sent.value(), new RecordHeaders(sent.headers().toArray()), Optional.empty());
    }

    @Test
    void aMessageWithEveryMqtt5PropertySurvivesTheRecord() {
        Instant receivedAt = Instant.ofEpochMilli(1_700_000_000_123L);
        PublishedMessage message = new PublishedMessage("plant/a/temp", "21.5".getBytes(UTF_8), 2, true, "dev-1", "alice",
                MqttVersion.MQTT_5, receivedAt, new MessageProperties(1, 60L, "text/plain", "reply/x",
                        new byte[] {0, 1, 2}, List.of(new UserProperty("k", "v1"), new UserProperty("k", "v2"))));

        ProducerRecord<byte[], byte[]> record = new InboxRecords("n1").create("inbox.n2", message, true,
                List.of("$share/g/plant/#"), "n1:i:1");
        PublishedMessage back = InboxRecords.message(received(record));
        ForwardedScope scope = InboxRecords.scope(received(record));

        assertThat(new String(record.key(), UTF_8)).isEqualTo("dev-1");
        assertThat(back.topic()).isEqualTo("plant/a/temp");
        assertThat(back.payload()).isEqualTo(message.payload());
        assertThat(back.qos()).isEqualTo(2);
        assertThat(back.retain()).isTrue();
        assertThat(back.clientId()).isEqualTo("dev-1");
        assertThat(back.username()).isEqualTo("alice");
        assertThat(back.protocolVersion()).isEqualTo(MqttVersion.MQTT_5);
        assertThat(back.receivedAt()).isEqualTo(receivedAt);
        assertThat(back.properties().payloadFormatIndicator()).isEqualTo(1);
        assertThat(back.properties().messageExpiryIntervalSeconds()).isEqualTo(60L);
        assertThat(back.properties().contentType()).isEqualTo("text/plain");
        assertThat(back.properties().responseTopic()).isEqualTo("reply/x");
        assertThat(back.properties().correlationData()).containsExactly(0, 1, 2);
        assertThat(back.properties().userProperties()).containsExactly(new UserProperty("k", "v1"),
                new UserProperty("k", "v2"));
        assertThat(scope.nonShared()).isTrue();
        assertThat(scope.sharedTopicFilters()).containsExactly("$share/g/plant/#");
    }

    @Test
    void aMessageForASharedGroupOnlyIsScopedSo() {
        PublishedMessage message = new PublishedMessage("jobs/1", new byte[0], 1, false, null, null, null,
                Instant.now(), MessageProperties.NONE);

        ProducerRecord<byte[], byte[]> record = new InboxRecords("n1").create("inbox.n2", message, false,
                List.of("$share/g/jobs/#"), "n1:i:2");
        ForwardedScope scope = InboxRecords.scope(received(record));

        assertThat(new String(record.key(), UTF_8)).as("key of a message without publisher").isEqualTo("jobs/1");
        assertThat(scope.nonShared()).isFalse();
        assertThat(InboxRecords.message(received(record)).properties()).isEqualTo(MessageProperties.NONE);
    }

    @Test
    void aRecordWithoutTopicIsRefused() {
        ProducerRecord<byte[], byte[]> foreign = new ProducerRecord<>("inbox.n2", null, 0L, null, new byte[0]);
        assertThatThrownBy(() -> InboxRecords.message(received(foreign))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mqtt.topic");
    }
}
