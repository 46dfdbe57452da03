package io.mqttbridge.api.runtime;

import io.dropwizard.configuration.ConfigurationFactory;
import io.dropwizard.configuration.ConfigurationSourceProvider;
import io.dropwizard.configuration.DefaultConfigurationFactoryFactory;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.jersey.validation.Validators;
import io.mqttbridge.api.BridgeConfiguration;
import io.mqttbridge.db.DatabaseConfig;
import io.mqttbridge.db.history.HistoryWriterConfig;
import io.mqttbridge.kafka.KafkaConnectorConfig;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The runtime fills in values on copies of the configuration beans; the copies must be whole and apart. */
class ConfigurationCopiesTest {

    private static final String YAML = """
            kafka:
              bootstrapServers: "kafka-1:9092"
              embedded:
                dataDirectory: /var/kafka
                overrides:
                  log.retention.hours: "1"
              mirrorRules:
                - mqttTopicFilter: "devices/+/telemetry"
                  kafkaTopic: "mqtt.telemetry"
            database:
              jdbcUrl: "jdbc:postgresql://db:5432/bridge"
              poolSize: 7
            historyWriter:
              topics: ["a", "b"]
              batchSize: 123
              consumerProperties:
                max.poll.records: "17"
            """;

    private final ConfigurationFactory<BridgeConfiguration> factory =
            new DefaultConfigurationFactoryFactory<BridgeConfiguration>()
                    .create(BridgeConfiguration.class, Validators.newValidator(), Jackson.newObjectMapper(), "dw");

    @Test
    void aCopyHasEveryPropertyOfTheOriginalAndSharesNoState() throws Exception {
        ConfigurationSourceProvider inline = path -> new ByteArrayInputStream(YAML.getBytes(StandardCharsets.UTF_8));
        BridgeConfiguration config = factory.build(inline, "inline.yml");

        KafkaConnectorConfig kafka = ConfigurationCopies.copyOf(config.getKafka());
        DatabaseConfig database = ConfigurationCopies.copyOf(config.getDatabase());
        HistoryWriterConfig writer = ConfigurationCopies.copyOf(config.getHistoryWriter());

        assertThat(kafka).isNotSameAs(config.getKafka()).usingRecursiveComparison().isEqualTo(config.getKafka());
        assertThat(database).isNotSameAs(config.getDatabase()).usingRecursiveComparison()
                .isEqualTo(config.getDatabase());
        assertThat(writer).isNotSameAs(config.getHistoryWriter()).usingRecursiveComparison()
                .isEqualTo(config.getHistoryWriter());

        kafka.getEmbedded().setDataDirectory("/elsewhere");
        writer.getConsumerProperties().put("metadata.max.age.ms", "5000");
        assertThat(config.getKafka().getEmbedded().getDataDirectory()).isEqualTo("/var/kafka");
        assertThat(config.getHistoryWriter().getConsumerProperties()).doesNotContainKey("metadata.max.age.ms");
    }
}
