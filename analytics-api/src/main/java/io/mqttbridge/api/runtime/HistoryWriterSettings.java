package io.mqttbridge.api.runtime;

import io.mqttbridge.api.BridgeConfiguration;
import io.mqttbridge.db.history.HistoryWriterConfig;

/**
 * The history writer's settings as the process runs it: it reads what this bridge's mirror writes.
 * Unless configured otherwise, the mirror rules' Kafka topics and the session events topic, from
 * the same Kafka. The configuration bean is not changed: the settings are a copy.
 */
final class HistoryWriterSettings {

    private static final long PATTERN_REFRESH_MS = 5_000;

    private HistoryWriterSettings() {
    }

    /**
     * @param connectorBootstrapServers the Kafka this process's connector uses (embedded or not), or
     *     {@code null} when it runs none
     * @throws IllegalArgumentException when no Kafka is known for the writer to read
     */
    static HistoryWriterConfig of(BridgeConfiguration config, String connectorBootstrapServers) {
        HistoryWriterConfig writer = ConfigurationCopies.copyOf(config.getHistoryWriter());
        boolean writerBootstrapUnset = writer.getBootstrapServers() == null || writer.getBootstrapServers().isBlank()
                || HistoryWriterConfig.DEFAULT_BOOTSTRAP_SERVERS.equals(writer.getBootstrapServers());
        if (writerBootstrapUnset) {
            if (connectorBootstrapServers != null) {
                writer.setBootstrapServers(connectorBootstrapServers);
            } else if (!config.getKafka().usesEmbeddedKafka()) {
                writer.setBootstrapServers(config.getKafka().getBootstrapServers());
            } else {
                throw new IllegalArgumentException("'kafka.bootstrapServers' (or 'historyWriter.bootstrapServers')"
                        + " must be set when the broker role, which starts the embedded Kafka, does not run in this"
                        + " process");
            }
        }
        boolean writerTopicsUnset = writer.getTopics().isEmpty() && (writer.getTopicPattern() == null
                || writer.getTopicPattern().isBlank()
                || HistoryWriterConfig.DEFAULT_TOPIC_PATTERN.equals(writer.getTopicPattern()));
        if (writerTopicsUnset && !config.getKafka().getMirrorRules().isEmpty()) {
            writer.setTopicPattern(MirroredTopics.patternOf(config.getKafka().getMirrorRules()));
        }
        writer.setSessionEventsTopic(config.getKafka().getSessionEvents().getTopic());
        // The writer subscribes by pattern; Kafka finds topics created later (the mirror creates them on
        // first use) only when it refreshes metadata, every 5 minutes by default. History should not lag that much.
        writer.getConsumerProperties().putIfAbsent("metadata.max.age.ms", String.valueOf(PATTERN_REFRESH_MS));
        return writer;
    }
}
