package io.mqttbridge.broker.e2e;

import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.PublishSink;
import io.mqttbridge.broker.spi.SessionListener;
import io.mqttbridge.broker.spi.SessionSnapshot;
import io.mqttbridge.testing.mqtt.RawMqttClient;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SUBACK of a persistent session waits until the session store has the new subscription: a
 * node killed right after the SUBACK restarts (or is taken over) with it, and the messages
 * published for it meanwhile are kept for it. In a cluster the SUBACK also waits for the filter's
 * routes record (ClusterEndToEndTest, HaproxyClusterTest).
 */
class SubackDurabilityTest {

    private static final byte[] PINGREQ = RawMqttClient.packet(0xC0, new byte[0]);

    @Test
    void subackOfAPersistentSessionWaitsUntilTheStoreHasTheSubscription() throws Exception {
        HeldSessionStore store = new HeldSessionStore();
        try (TestBroker broker = new TestBroker(c -> { }, Authenticator.ALLOW_ALL, Authorizer.ALLOW_ALL,
                PublishSink.NONE, SessionListener.NONE, store);
             RawMqttClient subscriber = new RawMqttClient(broker.port())) {
            subscriber.send(RawMqttClient.connect(4, "sub", false, 60));
            assertThat(subscriber.read().type()).isEqualTo(2);
            store.holdSaves();

            subscriber.send(RawMqttClient.subscribe(3, "plant/#", 1, false));
            subscriber.send(PINGREQ);
            assertThat(subscriber.read().type()).as("PINGRESP before SUBACK: the save is held").isEqualTo(13);
            assertThat(store.store.get("sub").map(SessionSnapshot::subscriptions).orElseThrow()).isEmpty();

            store.letSavesGo();
            RawMqttClient.Packet subAck = subscriber.read();
            assertThat(subAck.type()).isEqualTo(9);
            assertThat(subAck.body()).containsExactly(0, 3, 1);
            assertThat(store.store.get("sub").orElseThrow().subscriptions())
                    .extracting(SessionSnapshot.StoredSubscription::topicFilter).containsExactly("plant/#");
        }
    }

    @Test
    void subackOfACleanSessionIsSentAtOnce() throws Exception {
        HeldSessionStore store = new HeldSessionStore();
        try (TestBroker broker = new TestBroker(c -> { }, Authenticator.ALLOW_ALL, Authorizer.ALLOW_ALL,
                PublishSink.NONE, SessionListener.NONE, store);
             RawMqttClient subscriber = new RawMqttClient(broker.port())) {
            subscriber.send(RawMqttClient.connect(4, "sub", true, 60));
            assertThat(subscriber.read().type()).isEqualTo(2);
            store.holdSaves();

            subscriber.send(RawMqttClient.subscribe(3, "plant/#", 1, false));
            assertThat(subscriber.read().type()).as("SUBACK: nothing stored to wait for").isEqualTo(9);
            assertThat(store.saveGates).isEmpty();
        }
    }
}
