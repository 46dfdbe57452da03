package io.mqttbridge.api.config;

import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.jersey.validation.Validators;
import io.mqttbridge.api.BridgeApplication;
import io.mqttbridge.api.BridgeConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The shipped configuration read as the application reads it (its bootstrap, its object mapper), with
 * {@code -Ddw.} overrides of numbers and booleans, which reach the configuration as text.
 */
class CommandLineOverridesTest {

    private static final Map<String, String> OVERRIDES = Map.of(
            "dw.broker.maxQos", "1",
            "dw.broker.listeners[0].port", "18831",
            "dw.kafka.cluster.enabled", "true",
            "dw.nodeId", "node-7");

    @AfterEach
    void clearOverrides() {
        OVERRIDES.keySet().forEach(System::clearProperty);
    }

    @Test
    void numberAndBooleanOverridesAreTakenWhileTheApiStillRefusesTextForANumber() throws Exception {
        Bootstrap<BridgeConfiguration> bootstrap = new Bootstrap<>(new BridgeApplication());
        new BridgeApplication().initialize(bootstrap);
        OVERRIDES.forEach(System::setProperty);

        BridgeConfiguration config = bootstrap.getConfigurationFactoryFactory()
                .create(BridgeConfiguration.class, Validators.newValidator(), bootstrap.getObjectMapper(), "dw")
                .build(bootstrap.getConfigurationSourceProvider(), Path.of("..", "config.yml").toString());

        assertThat(config.getBroker().getMaxQos()).isEqualTo(1);
        assertThat(config.getBroker().getListeners().get(0).getPort()).isEqualTo(18831);
        assertThat(config.getKafka().getCluster().isEnabled()).isTrue();
        assertThat(config.getNodeId()).isEqualTo("node-7");
        assertThatThrownBy(() -> bootstrap.getObjectMapper().readValue("{\"n\": \"2\"}", Numbered.class))
                .as("a REST body's \"2\" for a number").isInstanceOfAny(InvalidFormatException.class,
                        MismatchedInputException.class);
    }

    record Numbered(int n) {
    }
}
