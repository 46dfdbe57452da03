package io.mqttbridge.broker.e2e;

import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.testing.mqtt.RawMqttClient;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A fresh {@link TestBroker} for each test and the raw clients the test opens on it, all closed
 * after the test ({@code @RegisterExtension}): the set-up the byte-level conformance tests share.
 */
final class RawClientBroker implements BeforeEachCallback, AfterEachCallback {

    private final List<RawMqttClient> clients = new ArrayList<>();
    private TestBroker broker;

    @Override
    public void beforeEach(ExtensionContext context) {
        broker = TestBroker.start();
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        for (RawMqttClient client : clients) {
            client.close();
        }
        clients.clear();
        broker.close();
    }

    /** A client connected to the broker's socket that has sent nothing yet. */
    RawMqttClient open() throws IOException {
        RawMqttClient client = new RawMqttClient(broker.port());
        clients.add(client);
        return client;
    }

    /** Replaces the broker with one configured by {@code configurer}, for the rest of the test. */
    void restartWith(Consumer<BrokerConfig> configurer) {
        broker.close();
        broker = TestBroker.start(configurer);
    }

    TestBroker broker() {
        return broker;
    }
}
