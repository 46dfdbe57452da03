package io.mqttbridge.api.runtime;

import io.mqttbridge.api.BridgeConfiguration;
import io.mqttbridge.api.config.MqttAuthConfig;
import io.mqttbridge.api.config.Role;
import io.mqttbridge.db.history.HistoryWriterConfig;
import io.mqttbridge.kafka.KafkaConnectorConfig;

/**
 * Checks every configuration section the roles of this process use before anything starts. Each
 * section's own check runs again when its component starts; done only there, a wrong
 * {@code broker.maxQos} was reported after the embedded PostgreSQL and Kafka had started (tens of
 * seconds, and data directories created), and under a name without its section.
 */
final class ConfigurationPreflight {

    private ConfigurationPreflight() {
    }

    /** @throws IllegalArgumentException whose message starts with the section's key, e.g. {@code 'broker': ...} */
    static void check(BridgeConfiguration config) {
        section("database", () -> config.getDatabase().validate());
        if (config.runs(Role.BROKER)) {
            section("broker", () -> config.getBroker().validate());
            section("kafka", () -> kafkaOfThisNode(config).validate());
            checkMqttAuth(config.getMqttAuth());
        }
        if (config.runs(Role.HISTORY_WRITER)) {
            section("historyWriter", () -> historyWriterAsDerived(config).validate());
        }
    }

    private static void checkMqttAuth(MqttAuthConfig auth) {
        section("mqttAuth.file", () -> auth.getFile().validate());
        if (auth.isUseDeviceRegistry()) {
            section("mqttAuth.deviceRegistry", () -> auth.getDeviceRegistry().validate());
        }
        if (auth.getCertificate() != null) {
            section("mqttAuth.certificate", () -> auth.getCertificate().validate());
        }
        if (auth.getJwt() != null) {
            section("mqttAuth.jwt", () -> auth.getJwt().validate());
        }
    }

    /** The Kafka section as the connector gets it: with this node's id (a copy; the bean is not changed). */
    private static KafkaConnectorConfig kafkaOfThisNode(BridgeConfiguration config) {
        KafkaConnectorConfig kafka = ConfigurationCopies.copyOf(config.getKafka());
        kafka.setNodeId(config.getNodeId());
        return kafka;
    }

    /**
     * The history writer's settings as the runtime derives them; the Kafka the connector will use is
     * only known once it runs, so a stand-in here.
     */
    private static HistoryWriterConfig historyWriterAsDerived(BridgeConfiguration config) {
        String connector = !config.runs(Role.BROKER) ? null
                : config.getKafka().usesEmbeddedKafka() ? "embedded:0" : config.getKafka().getBootstrapServers();
        return HistoryWriterSettings.of(config, connector);
    }

    private static void section(String key, Runnable check) {
        try {
            check.run();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("configuration '" + key + "': " + e.getMessage(), e);
        }
    }
}
