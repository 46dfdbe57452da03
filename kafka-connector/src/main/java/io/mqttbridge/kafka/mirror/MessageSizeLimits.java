package io.mqttbridge.kafka.mirror;

import io.mqttbridge.kafka.embedded.EmbeddedKafkaConfig;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;

/**
 * Makes Kafka accept every message the broker accepts. The broker takes MQTT packets up to
 * {@code broker.maxPacketSize}; Kafka refuses, by default, records over about 1 MiB (the producer's
 * {@code max.request.size}, the broker's {@code message.max.bytes}, a topic's {@code max.message.bytes}).
 * Without this an operator who raised the packet size got every larger QoS 1 message refused after it
 * was read: an error reason code for MQTT 5 publishers and, for MQTT 3.1.1 publishers, which have no
 * way to hear a refusal, a closed connection and the same message resent at every reconnect.
 *
 * <p>So the Kafka limits the bridge controls are raised to the largest record a publish can make,
 * and the ones an operator set too low fail the start naming both keys.
 */
public final class MessageSizeLimits {

    /** Kafka's default for the producer's request (the broker's and a topic's are 12 bytes larger). */
    static final int KAFKA_DEFAULT_MAX_REQUEST_SIZE = 1_048_576;

    /*
     * A record holds the PUBLISH's topic, properties and payload (within the packet size) and, from
     * outside the packet, the client id (as key and as header), the user name (an MQTT string of up to
     * 65,535 bytes each) and a few small headers, plus Kafka's record framing.
     */
    static final int BEYOND_THE_PACKET = 256 * 1024;

    private final int maxPacketSize;
    private final int largestRecordBytes;

    private MessageSizeLimits(int maxPacketSize) {
        this.maxPacketSize = maxPacketSize;
        this.largestRecordBytes = (int) Math.min(Integer.MAX_VALUE, (long) maxPacketSize + BEYOND_THE_PACKET);
    }

    /** @param maxPacketSize the broker's {@code broker.maxPacketSize} */
    public static MessageSizeLimits forPacketsUpTo(int maxPacketSize) {
        return new MessageSizeLimits(maxPacketSize);
    }

    /** The largest record, in bytes, that a message of the largest packet can make. */
    public int largestRecordBytes() {
        return largestRecordBytes;
    }

    /** Whether Kafka's defaults already admit the largest record (true for the default packet size). */
    public boolean kafkaDefaultsSuffice() {
        return largestRecordBytes <= KAFKA_DEFAULT_MAX_REQUEST_SIZE;
    }

    /**
     * @param prefix the configuration path of {@code producer}, used in messages
     * @throws IllegalArgumentException naming the producer key that cannot hold the largest record
     */
    public void check(ProducerSettings producer, String prefix) {
        String explicit = producer.getProperties().get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        if (explicit != null) {
            long value;
            try {
                value = Long.parseLong(explicit.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(prefix + ".properties." + ProducerConfig.MAX_REQUEST_SIZE_CONFIG
                        + " must be a number of bytes, was '" + explicit + "'");
            }
            atLeast(prefix + ".properties." + ProducerConfig.MAX_REQUEST_SIZE_CONFIG, value);
        }
        // The producer refuses a record larger than its whole buffer. (The sink's outstanding-bytes
        // limit needs no check: it lets a single larger message through when nothing else waits.)
        atLeast(prefix + ".bufferMemoryBytes", producer.getBufferMemoryBytes());
    }

    private void atLeast(String key, long value) {
        if (value < largestRecordBytes) {
            throw new IllegalArgumentException(key + " must be at least " + largestRecordBytes + " bytes, was " + value
                    + ": broker.maxPacketSize (" + maxPacketSize + ") plus " + BEYOND_THE_PACKET
                    + " bytes for the record's key and headers, or messages the broker accepts could never be stored;"
                    + " raise it or lower broker.maxPacketSize");
        }
    }

    /** Raises the producers' {@code max.request.size} to the largest record, unless it was set explicitly. */
    public void applyTo(ProducerSettings producer) {
        if (!kafkaDefaultsSuffice()) {
            producer.getProperties().putIfAbsent(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(largestRecordBytes));
        }
    }

    /** Raises the embedded broker's {@code message.max.bytes} to the largest record, unless it was set explicitly. */
    public void applyTo(EmbeddedKafkaConfig embedded) {
        if (!kafkaDefaultsSuffice()) {
            embedded.getOverrides().putIfAbsent("message.max.bytes", String.valueOf(largestRecordBytes));
        }
    }

    /** Configuration for a topic the bridge creates that carries messages: none while Kafka's defaults suffice. */
    public Map<String, String> topicConfigs() {
        return kafkaDefaultsSuffice() ? Map.of()
                : Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(largestRecordBytes));
    }
}
