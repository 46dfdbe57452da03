package io.mqttbridge.broker.e2e;

import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.PublishSink;
import io.mqttbridge.broker.spi.SessionListener;
import io.mqttbridge.testing.mqtt.RawMqttClient;
import org.junit.jupiter.api.Test;


import static org.assertj.core.api.Assertions.assertThat;

/**
 * PUBCOMP of an inbound QoS 2 flow of a persistent session waits until the stored "received"
 * record of its packet id is gone: a record that survives a crash after PUBCOMP would answer the
 * client's next PUBLISH reusing that packet id as a retransmission (PUBREC, nothing stored), and
 * that message would be lost.
 */
class InboundQos2ReleaseTest {

    private static final byte[] PINGREQ = RawMqttClient.packet(0xC0, new byte[0]);

    @Test
    void pubcompOfAPersistentSessionWaitsUntilTheReceivedRecordIsGone() throws Exception {
        HeldSessionStore store = new HeldSessionStore();
        try (TestBroker broker = new TestBroker(c -> { }, Authenticator.ALLOW_ALL, Authorizer.ALLOW_ALL,
                PublishSink.NONE, SessionListener.NONE, store);
             RawMqttClient publisher = new RawMqttClient(broker.port())) {
            publisher.send(RawMqttClient.connect(4, "pub", false, 60));
            assertThat(publisher.read().type()).isEqualTo(2);
            publisher.send(RawMqttClient.publish(2, "x/1", 7, "first", false));
            assertThat(publisher.read().type()).as("PUBREC").isEqualTo(5);
            assertThat(store.store.get("pub").orElseThrow().inboundQos2()).containsExactly(7);

            publisher.pubrel(7);
            publisher.send(PINGREQ);
            assertThat(publisher.read().type()).as("PINGRESP before PUBCOMP: the record is still there")
                    .isEqualTo(13);
            assertThat(store.store.get("pub").orElseThrow().inboundQos2()).containsExactly(7);

            store.letReleasesGo();
            RawMqttClient.Packet pubcomp = publisher.read();
            assertThat(pubcomp.type()).isEqualTo(7);
            assertThat(pubcomp.body()).startsWith(0, 7);
            assertThat(store.store.get("pub").orElseThrow().inboundQos2()).isEmpty();
        }
    }

    @Test
    void pubcompOfACleanSessionIsSentAtOnce() throws Exception {
        HeldSessionStore store = new HeldSessionStore();
        try (TestBroker broker = new TestBroker(c -> { }, Authenticator.ALLOW_ALL, Authorizer.ALLOW_ALL,
                PublishSink.NONE, SessionListener.NONE, store);
             RawMqttClient publisher = new RawMqttClient(broker.port())) {
            publisher.send(RawMqttClient.connect(4, "pub", true, 60));
            assertThat(publisher.read().type()).isEqualTo(2);
            publisher.send(RawMqttClient.publish(2, "x/1", 7, "first", false));
            assertThat(publisher.read().type()).as("PUBREC").isEqualTo(5);
            publisher.pubrel(7);
            assertThat(publisher.read().type()).as("PUBCOMP: nothing stored to wait for").isEqualTo(7);
            assertThat(store.releaseGates).isEmpty();
        }
    }
}
