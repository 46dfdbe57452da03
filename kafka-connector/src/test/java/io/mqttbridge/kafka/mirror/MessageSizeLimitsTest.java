package io.mqttbridge.kafka.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mqttbridge.kafka.embedded.EmbeddedKafkaConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MessageSizeLimitsTest {

    private static final int MIB = 1024 * 1024;

    @Test
    void theDefaultPacketSizeFitsKafkasDefaultsAndChangesNothing() {
        MessageSizeLimits sizes = MessageSizeLimits.forPacketsUpTo(256 * 1024);
        ProducerSettings producer = new ProducerSettings();
        EmbeddedKafkaConfig embedded = new EmbeddedKafkaConfig();

        sizes.check(producer, "producer");
        sizes.applyTo(producer);
        sizes.applyTo(embedded);

        assertThat(sizes.kafkaDefaultsSuffice()).isTrue();
        assertThat(producer.getProperties()).doesNotContainKey("max.request.size");
        assertThat(embedded.getOverrides()).doesNotContainKey("message.max.bytes");
        assertThat(sizes.topicConfigs()).isEmpty();
    }

    @Test
    void aLargerPacketSizeRaisesTheProducersTheEmbeddedBrokersAndNewTopicsLimits() {
        MessageSizeLimits sizes = MessageSizeLimits.forPacketsUpTo(4 * MIB);
        ProducerSettings producer = new ProducerSettings();
        EmbeddedKafkaConfig embedded = new EmbeddedKafkaConfig();

        sizes.check(producer, "producer");
        sizes.applyTo(producer);
        sizes.applyTo(embedded);

        String largest = String.valueOf(4 * MIB + 256 * 1024);
        assertThat(sizes.largestRecordBytes()).isEqualTo(4 * MIB + 256 * 1024);
        assertThat(producer.getProperties()).containsEntry("max.request.size", largest);
        assertThat(producer.toProperties("localhost:9092", "c")).containsEntry("max.request.size", largest);
        assertThat(embedded.getOverrides()).containsEntry("message.max.bytes", largest);
        assertThat(sizes.topicConfigs()).isEqualTo(Map.of("max.message.bytes", largest));
    }

    @Test
    void limitsSetExplicitlyAreKeptWhenLargeEnough() {
        MessageSizeLimits sizes = MessageSizeLimits.forPacketsUpTo(4 * MIB);
        ProducerSettings producer = new ProducerSettings().setProperties(Map.of("max.request.size", String.valueOf(8 * MIB)));
        EmbeddedKafkaConfig embedded = new EmbeddedKafkaConfig().setOverrides(Map.of("message.max.bytes", "10000000"));

        sizes.check(producer, "producer");
        sizes.applyTo(producer);
        sizes.applyTo(embedded);

        assertThat(producer.getProperties()).containsEntry("max.request.size", String.valueOf(8 * MIB));
        assertThat(embedded.getOverrides()).containsEntry("message.max.bytes", "10000000");
    }

    @Test
    void aProducerRequestSizeBelowTheLargestRecordFailsNamingBothKeys() {
        MessageSizeLimits sizes = MessageSizeLimits.forPacketsUpTo(2 * MIB);
        ProducerSettings producer = new ProducerSettings().setProperties(Map.of("max.request.size", "1048576"));

        assertThatThrownBy(() -> sizes.check(producer, "producer"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("producer.properties.max.request.size must be at least 2359296 bytes, was 1048576")
                .hasMessageContaining("broker.maxPacketSize (2097152)");
    }

    @Test
    void aProducerBufferSmallerThanTheLargestRecordFailsNamingIt() {
        MessageSizeLimits sizes = MessageSizeLimits.forPacketsUpTo(100 * MIB);

        assertThatThrownBy(() -> sizes.check(new ProducerSettings(), "producer"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("producer.bufferMemoryBytes must be at least")
                .hasMessageContaining("broker.maxPacketSize");
    }

    @Test
    void aRequestSizeThatIsNotANumberFailsNamingIt() {
        ProducerSettings producer = new ProducerSettings().setProperties(Map.of("max.request.size", "4MB"));

        assertThatThrownBy(() -> MessageSizeLimits.forPacketsUpTo(256 * 1024).check(producer, "producer"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("producer.properties.max.request.size must be a number of bytes, was '4MB'");
    }
}
