package io.mqttbridge.kafka.downlink.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.mqttbridge.broker.spi.TopicFilters;
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
                topic = new String(value.value(), UTF_8);
            }
        }
        if (topic == null && template != null) {
            if (template.contains("{key}") && record.key() == null) {
                return null;
            }
            topic = template.replace("{topic}", record.topic());
            if (record.key() != null) {
                topic = topic.replace("{key}", new String(record.key(), UTF_8));
            }
        }
        return topic != null && TopicFilters.validateTopicName(topic) == null ? topic : null;
    }
}
