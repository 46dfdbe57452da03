package io.mqttbridge.api.runtime;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.api.BridgeConfiguration;
import io.mqttbridge.api.config.Role;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.EnumSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A wrong value in any section fails start-up before anything starts, naming the section and the
 * key. The database points at a port nobody listens on: had the runtime started anything before
 * checking, the error would be PostgreSQL's, not the configuration's.
 */
class ConfigurationPreflightTest {

    @TempDir
    Path dataDirectory;

    private BridgeConfiguration configuration() {
        BridgeConfiguration config = new BridgeConfiguration();
        config.setDataDirectory(dataDirectory.resolve("data"));
        config.getDatabase().setJdbcUrl("jdbc:postgresql://127.0.0.1:1/nowhere");
        config.getDatabase().setStartupWaitSeconds(0);
        return config;
    }

    private static void assertStartFailsNaming(BridgeConfiguration config, String... names) {
        assertThatThrownBy(() -> new BridgeRuntime(config, new MetricRegistry()).startRoles())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContainingAll(names);
    }

    @Test
    void aWrongBrokerValueFailsStartUpBeforeTheDatabaseIsTouched() {
        BridgeConfiguration config = configuration();
        config.getBroker().setMaxQos(5);

        assertStartFailsNaming(config, "'broker'", "'maxQos'", "was 5");
        assertThat(dataDirectory.resolve("data")).doesNotExist();
    }

    @Test
    void wrongValuesOfTheOtherSectionsNameTheirSection() {
        BridgeConfiguration kafka = configuration();
        kafka.getKafka().getProducer().setLingerMs(-1);
        assertStartFailsNaming(kafka, "'kafka'", "producer.lingerMs");

        BridgeConfiguration writer = configuration();
        writer.getHistoryWriter().setBatchSize(0);
        assertStartFailsNaming(writer, "'historyWriter'", "batchSize");

        BridgeConfiguration database = configuration();
        database.getDatabase().setApiPoolSize(0);
        assertStartFailsNaming(database, "'database'", "apiPoolSize");

        BridgeConfiguration registry = configuration();
        registry.getMqttAuth().getDeviceRegistry().setThreads(0);
        assertStartFailsNaming(registry, "'mqttAuth.deviceRegistry'", "threads");
    }

    @Test
    void aHistoryWriterAloneWithoutAKafkaToReadIsRefusedNamingTheKeys() {
        BridgeConfiguration config = configuration();
        config.setRoles(EnumSet.of(Role.HISTORY_WRITER));

        assertStartFailsNaming(config, "'historyWriter'", "kafka.bootstrapServers");
    }

    @Test
    void theDefaultsPassAndABrokerlessProcessDoesNotCheckTheBrokerSections() {
        assertThatCode(() -> ConfigurationPreflight.check(new BridgeConfiguration())).doesNotThrowAnyException();

        BridgeConfiguration writerOnly = configuration();
        writerOnly.setRoles(EnumSet.of(Role.HISTORY_WRITER));
        writerOnly.getKafka().setBootstrapServers("kafka-1:9092");
        writerOnly.getBroker().setMaxQos(5);
        assertThatCode(() -> ConfigurationPreflight.check(writerOnly)).doesNotThrowAnyException();
    }
}
