package io.mqttbridge.kafka.downlink.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.mqttbridge.broker.spi.TopicFilters;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/** Finds the MQTT topic of a downlink record: its topic header, else the template. */
public final class MqttTopicResolver {

    private final String header;
    private final String template;

    public MqttTopicResolver(String header, String template) {
        this.header = header == null || header.isBlank() ? null : header;
        this.template = template == null || template.isBlank() ? null : template;
    }

    /** @return a valid MQTT topic name, or {@code null} if the record yields none */
    public String resolve(ConsumerRecord<byte[], byte[]> record) {
        String topic = null;
        if (header != null) {
            Header value = record.headers().lastHeader(header);
            if (value != null && value.value() != null) {
                topic = strictUtf8(value.value());
                if (topic == null) {
                    return null; // not UTF-8: replacing the bad bytes would name another topic
                }
            }
        }
        if (topic == null && template != null) {
            if (template.contains("{key}") && record.key() == null) {
                return null;
            }
            topic = template.replace("{topic}", record.topic());
            if (record.key() != null) {
                String key = strictUtf8(record.key());
                if (key == null) {
                    return null;
                }
                topic = topic.replace("{key}", key);
            }
        }
        return topic != null && TopicFilters.validateTopicName(topic) == null ? topic : null;
    }

    /** The UTF-8 text of {@code bytes}, or {@code null} when they are not UTF-8. */
    private static String strictUtf8(byte[] bytes) {
        try {
            return UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
