package io.mqttbridge.broker.e2e;

import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.PublishSink;
import io.mqttbridge.broker.spi.SessionListener;
import io.mqttbridge.broker.spi.SessionSnapshot;
import io.mqttbridge.testing.mqtt.RawMqttClient;
import org.junit.jupiter.api.Test;

import java.util.List;

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
        try (TestBroker broker = brokerOn(store);
             RawMqttClient subscriber = connected(broker, false)) {
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
        try (TestBroker broker = brokerOn(store);
             RawMqttClient subscriber = connected(broker, true)) {
            store.holdSaves();

            subscriber.send(RawMqttClient.subscribe(3, "plant/#", 1, false));
            assertThat(subscriber.read().type()).as("SUBACK: nothing stored to wait for").isEqualTo(9);
            assertThat(store.saveGates).isEmpty();
        }
    }

    @Test
    void unsubackOfAPersistentSessionWaitsUntilTheStoreNoLongerHasTheSubscription() throws Exception {
        HeldSessionStore store = new HeldSessionStore();
        try (TestBroker broker = brokerOn(store);
             RawMqttClient subscriber = connected(broker, false)) {
            subscriber.send(RawMqttClient.subscribe(3, "plant/#", 1, false));
            assertThat(subscriber.read().type()).isEqualTo(9);
            store.holdSaves();

            subscriber.send(RawMqttClient.unsubscribe(4, "plant/#", false));
            subscriber.send(PINGREQ);
            assertThat(subscriber.read().type()).as("PINGRESP before UNSUBACK: the save is held").isEqualTo(13);
            assertThat(store.store.get("sub").orElseThrow().subscriptions()).hasSize(1);

            store.letSavesGo();
            RawMqttClient.Packet unsubAck = subscriber.read();
            assertThat(unsubAck.type()).isEqualTo(11);
            assertThat(unsubAck.body()).containsExactly(0, 4);
            assertThat(store.store.get("sub").orElseThrow().subscriptions()).isEmpty();
        }
    }

    @Test
    void anUnsubackFollowsTheSubackOfAnEarlierSubscribeThatIsStillWaiting() throws Exception {
        HeldSessionStore store = new HeldSessionStore();
        try (TestBroker broker = brokerOn(store);
             RawMqttClient client = connected(broker, false)) {
            store.holdSaves();

            client.send(RawMqttClient.subscribe(3, "plant/#", 1, false));
            // Not subscribed to: nothing to store, so this UNSUBACK has nothing of its own to wait for.
            client.send(RawMqttClient.unsubscribe(4, "office/#", false));
            client.send(RawMqttClient.subscribe(5, "office/+", 0, false));
            client.send(PINGREQ);
            assertThat(client.read().type()).as("PINGRESP first: the SUBACK's save is held").isEqualTo(13);

            store.letSavesGo();
            RawMqttClient.Packet first = client.read();
            RawMqttClient.Packet second = client.read();
            RawMqttClient.Packet third = client.read();
            assertThat(List.of(first.type(), second.type(), third.type())).containsExactly(9, 11, 9);
            assertThat(first.body()).containsExactly(0, 3, 1);
            assertThat(second.body()).containsExactly(0, 4);
            assertThat(third.body()).containsExactly(0, 5, 0);
        }
    }

    @Test
    void subackAndUnsubackOfACleanSessionAreSentAtOnceInOrder() throws Exception {
        HeldSessionStore store = new HeldSessionStore();
        try (TestBroker broker = brokerOn(store);
             RawMqttClient client = connected(broker, true)) {
            store.holdSaves();

            client.send(RawMqttClient.subscribe(3, "plant/#", 1, false));
            client.send(RawMqttClient.unsubscribe(4, "plant/#", false));
            assertThat(client.read().type()).isEqualTo(9);
            RawMqttClient.Packet unsubAck = client.read();
            assertThat(unsubAck.type()).isEqualTo(11);
            assertThat(unsubAck.body()).containsExactly(0, 4);
            assertThat(store.saveGates).isEmpty();
        }
    }

    private static TestBroker brokerOn(HeldSessionStore store) throws Exception {
        return new TestBroker(c -> { }, Authenticator.ALLOW_ALL, Authorizer.ALLOW_ALL, PublishSink.NONE,
                SessionListener.NONE, store);
    }

    /** A 3.1.1 client "sub", connected (CONNACK read). */
    private static RawMqttClient connected(TestBroker broker, boolean cleanSession) throws Exception {
        RawMqttClient client = new RawMqttClient(broker.port());
        client.send(RawMqttClient.connect(4, "sub", cleanSession, 60));
        assertThat(client.read().type()).isEqualTo(2);
        return client;
    }
}
