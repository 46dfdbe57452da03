package io.mqttbridge.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mqttbridge.kafka.mirror.KeyStrategy;
import io.mqttbridge.kafka.mirror.MirrorRule;
import io.mqttbridge.kafka.mirror.ProducerSettings;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaConnectorConfigTest {

    @Test
    void defaultsAreValidAndUseTheEmbeddedKafka() {
        KafkaConnectorConfig config = new KafkaConnectorConfig();

        config.validate();

        assertThat(config.usesEmbeddedKafka()).isTrue();
        assertThat(config.getSessionEvents().getTopic()).isEqualTo("mqtt.session-events");
        assertThat(config.getProducer().getLingerMs()).isEqualTo(ProducerSettings.DEFAULT_LINGER_MS);
        assertThat(config.getDownlink().isEnabled()).isFalse();
    }

    @Test
    void jsonConfigurationBindsToTheTypedObjects() throws Exception {
        String json = """
                {"bootstrapServers": "127.0.0.1:9092", "nodeId": "n2",
                 "producer": {"lingerMs": 10, "properties": {"client.rack": "r1"}},
                 "mirrorRules": [{"mqttTopicFilter": "a/+", "kafkaTopic": "t.{2}", "keyStrategy": "TOPIC_LEVEL",
                                  "keyTopicLevel": 2, "mirrorRetained": false}],
                 "sessionEvents": {"topic": "events"},
                 "downlink": {"topics": ["cmd"], "mqttTopicTemplate": "d/{key}", "qos": 0}}
                """;

        KafkaConnectorConfig config = new ObjectMapper().readValue(json, KafkaConnectorConfig.class);
        config.validate();

        assertThat(config.usesEmbeddedKafka()).isFalse();
        assertThat(config.getProducer().getProperties()).isEqualTo(Map.of("client.rack", "r1"));
        MirrorRule rule = config.getMirrorRules().get(0);
        assertThat(rule.getKeyStrategy()).isEqualTo(KeyStrategy.TOPIC_LEVEL);
        assertThat(rule.isMirrorRetained()).isFalse();
        assertThat(config.getDownlink().isEnabled()).isTrue();
        assertThat(config.getDownlink().getQos()).isZero();
    }

    @Test
    void aMirrorRuleWritingToTheSessionEventsOrDownlinkTopicFailsValidationNamingMirrorRules() {
        assertThatThrownBy(() -> new KafkaConnectorConfig()
                .setMirrorRules(List.of(new MirrorRule("#", "mqtt.session-events"))).validate())
                .hasMessageStartingWith("mirrorRules").hasMessageContaining("reserved");
        KafkaConnectorConfig downlink = new KafkaConnectorConfig()
                .setMirrorRules(List.of(new MirrorRule("#", "commands")));
        downlink.getDownlink().setTopics(List.of("commands"));
        assertThatThrownBy(downlink::validate).hasMessageStartingWith("mirrorRules").hasMessageContaining("reserved");
        assertThatThrownBy(() -> new KafkaConnectorConfig()
                .setMirrorRules(List.of(new MirrorRule("a/+", "t.{2}").setMaxTopics(0))).validate())
                .hasMessageStartingWith("mirrorRules").hasMessageContaining("maxTopics");
        assertThatThrownBy(() -> new KafkaConnectorConfig()
                .setMirrorRules(List.of(new MirrorRule("#", "mqtt.downlink.dead-letter"))).validate())
                .hasMessageStartingWith("mirrorRules").hasMessageContaining("reserved");
    }

    @Test
    void templateRulesCannotReachTheDeadLetterTopicOrTheClustersTopics() {
        KafkaConnectorConfig config = new KafkaConnectorConfig();
        io.mqttbridge.kafka.mirror.ReservedTopics reserved = config.reservedTopics();

        assertThat(reserved.isReserved("mqtt.downlink.dead-letter")).isTrue();
        assertThat(reserved.isReserved("mqtt.cluster.inbox.node-1")).isTrue();
        assertThat(reserved.isReserved("mqtt.cluster.claims")).isTrue();
        assertThat(reserved.isReserved("mqtt.session-events")).isTrue();
        assertThat(reserved.isReserved("mqtt.messages")).isFalse();
        assertThat(reserved.isReserved("mqtt.clusters")).as("only the prefix with its dot").isFalse();
    }

    @Test
    void invalidSettingsNameTheirKey() {
        assertThatThrownBy(() -> new KafkaConnectorConfig().setNodeId(" ").validate()).hasMessageStartingWith("nodeId");
        assertThatThrownBy(() -> new KafkaConnectorConfig()
                .setProducer(new ProducerSettings().setProperties(Map.of("acks", "1"))).validate())
                .hasMessageStartingWith("producer.properties.acks");
        assertThatThrownBy(() -> new KafkaConnectorConfig()
                .setProducer(new ProducerSettings().setProperties(Map.of("linger.ms", "50"))).validate())
                .hasMessage("producer.properties.linger.ms cannot be set here; use producer.lingerMs");
        assertThatThrownBy(() -> new KafkaConnectorConfig()
                .setProducer(new ProducerSettings().setDeliveryTimeoutMs(100)).validate())
                .hasMessageStartingWith("producer.deliveryTimeoutMs");
        assertThatThrownBy(() -> new KafkaConnectorConfig()
                .setMirrorRules(List.of(new MirrorRule("x/#", "ok"), new MirrorRule("y", null))).validate())
                .hasMessageStartingWith("mirrorRules: mirror rule #1 (filter 'y')");
        assertThatThrownBy(() -> new KafkaConnectorConfig().setEmbedded(null).validate())
                .hasMessageStartingWith("embedded");
        assertThatThrownBy(() -> new KafkaConnectorConfig()
                .setDownlink(new io.mqttbridge.kafka.downlink.DownlinkConfig().setTopics(List.of("c")).setMaxInFlight(0))
                .validate())
                .hasMessageStartingWith("downlink.maxInFlight");
    }
}
