package io.mqttbridge.broker.e2e;

import io.mqttbridge.broker.e2e.DurableAckTest.ManualSink;
import io.mqttbridge.broker.session.InMemorySessionStore;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.MqttReasonCode;
import io.mqttbridge.broker.spi.PublishRejectedException;
import io.mqttbridge.broker.spi.SessionListener;
import io.mqttbridge.broker.spi.SessionSnapshot;
import io.mqttbridge.testing.mqtt.RawMqttClient;
import io.mqttbridge.testing.mqtt.RawMqttClient.Packet;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * QoS 2 exactly once beyond one broker's memory: the inbound QoS 2 state of a persistent session is
 * in the session store before PUBREC, so a broker started on that store answers a retransmitted
 * PUBLISH with PUBREC and neither sinks nor delivers it again; and a QoS 2 message reaches
 * subscribers only once the sink confirmed it.
 */
class InboundQos2ExactlyOnceTest {

    private static final byte[] PINGREQ = RawMqttClient.packet(0xC0, new byte[0]);

    private static TestBroker broker(ManualSink sink, InMemorySessionStore store) {
        return new TestBroker(c -> { }, Authenticator.ALLOW_ALL, Authorizer.ALLOW_ALL, sink, SessionListener.NONE, store);
    }

    private static RawMqttClient connect(TestBroker broker, String clientId, boolean clean) throws Exception {
        RawMqttClient client = new RawMqttClient(broker.port());
        client.send(RawMqttClient.connect(4, clientId, clean, 60));
        assertThat(client.read().type()).isEqualTo(2);
        return client;
    }

    private static byte[] withDup(byte[] publish) {
        publish[0] |= 0x08;
        return publish;
    }

    @Test
    void aQos2PublishRetransmittedToABrokerStartedOnTheSameStoreIsAnsweredWithPubrecAndNotTakenAgain()
            throws Exception {
        InMemorySessionStore store = new InMemorySessionStore();
        ManualSink sink = new ManualSink();
        try (TestBroker first = broker(sink, store)) {
            try (RawMqttClient subscriber = connect(first, "sub", false)) {
                subscriber.send(RawMqttClient.subscribe(1, "x/#", 2, false));
                assertThat(subscriber.read().type()).isEqualTo(9);
                subscriber.send(RawMqttClient.packet(0xE0, new byte[0]));
                assertThat(subscriber.readUntilClosed()).isEmpty();
            }
            try (RawMqttClient publisher = connect(first, "pub", false)) {
                publisher.send(RawMqttClient.publish(2, "x/1", 7, "once", false));
                await().until(() -> sink.futures.size() == 1);
                sink.futures.get(0).complete(null);
                Packet pubrec = publisher.read();
                assertThat(pubrec.type()).isEqualTo(5);
                // Recorded before the PUBREC went out.
                assertThat(store.get("pub")).hasValueSatisfying(s -> assertThat(s.inboundQos2()).containsExactly(7));
            }
        }

        try (TestBroker second = broker(sink, store)) {
            try (RawMqttClient publisher = connect(second, "pub", false)) {
                publisher.send(withDup(RawMqttClient.publish(2, "x/1", 7, "once", false)));
                assertThat(publisher.read().type()).as("PUBREC for the retransmission").isEqualTo(5);
                assertThat(sink.messages).as("not sunk again").hasSize(1);
                publisher.pubrel(7);
                assertThat(publisher.read().type()).isEqualTo(7);
                await().until(() -> store.get("pub").map(SessionSnapshot::inboundQos2).orElseThrow().isEmpty());
            }
            try (RawMqttClient subscriber = connect(second, "sub", false)) {
                Packet delivered = subscriber.read();
                assertThat(delivered.type()).isEqualTo(3);
                int at = 2 + (((delivered.body()[0] & 0xFF) << 8) | (delivered.body()[1] & 0xFF));
                int packetId = ((delivered.body()[at] & 0xFF) << 8) | (delivered.body()[at + 1] & 0xFF);
                subscriber.send(RawMqttClient.packet(0x50, new byte[] {(byte) (packetId >> 8), (byte) packetId}));
                assertThat(subscriber.read().type()).isEqualTo(6);
                subscriber.send(PINGREQ);
                assertThat(subscriber.read().type()).as("delivered once: nothing before the PINGRESP").isEqualTo(13);
            }
        }
    }

    @Test
    void aQos2MessageTheSinkRefusesNeverReachesASubscriber() throws Exception {
        ManualSink sink = new ManualSink();
        try (TestBroker broker = broker(sink, new InMemorySessionStore());
             RawMqttClient subscriber = connect(broker, "watcher", true);
             RawMqttClient publisher = new RawMqttClient(broker.port())) {
            subscriber.send(RawMqttClient.subscribe(1, "r/#", 2, false));
            assertThat(subscriber.read().type()).isEqualTo(9);
            publisher.send(RawMqttClient.connect5("pub5", true, 60, new byte[0]));
            assertThat(publisher.read().type()).isEqualTo(2);

            publisher.send(RawMqttClient.publish(2, "r/1", 1, "refused", true));
            await().until(() -> sink.futures.size() == 1);
            subscriber.send(PINGREQ);
            assertThat(subscriber.read().type()).as("not routed while the sink has not confirmed").isEqualTo(13);
            sink.futures.get(0).completeExceptionally(
                    new PublishRejectedException(MqttReasonCode.UNSPECIFIED_ERROR, "kafka down", null));
            Packet pubrec = publisher.read();
            assertThat(pubrec.type()).isEqualTo(5);
            assertThat(pubrec.body()[2] & 0xFF).isEqualTo(MqttReasonCode.UNSPECIFIED_ERROR);

            publisher.send(RawMqttClient.publish(2, "r/1", 2, "stored", true));
            await().until(() -> sink.futures.size() == 2);
            sink.futures.get(1).complete(null);
            assertThat(publisher.read().type()).isEqualTo(5);
            Packet delivered = subscriber.read();
            assertThat(delivered.type()).isEqualTo(3);
            assertThat(new String(delivered.body())).endsWith("stored").doesNotContain("refused");
        }
    }

    @Test
    void aRetransmissionOnTheConnectionThatTookOverWhileKafkaWasStillWritingIsAnsweredThereAndTakenOnce()
            throws Exception {
        ManualSink sink = new ManualSink();
        InMemorySessionStore store = new InMemorySessionStore();
        try (TestBroker broker = broker(sink, store);
             RawMqttClient subscriber = connect(broker, "watcher", true);
             RawMqttClient first = connect(broker, "mover", false)) {
            subscriber.send(RawMqttClient.subscribe(1, "m/#", 2, false));
            assertThat(subscriber.read().type()).isEqualTo(9);
            first.send(RawMqttClient.publish(2, "m/1", 3, "moving", false));
            await().until(() -> sink.futures.size() == 1);

            try (RawMqttClient second = connect(broker, "mover", false)) {
                assertThat(first.readUntilClosed()).as("taken over before any PUBREC").isEmpty();
                second.send(withDup(RawMqttClient.publish(2, "m/1", 3, "moving", false)));
                second.send(PINGREQ);
                assertThat(second.read().type()).as("no PUBREC while Kafka has not answered").isEqualTo(13);
                sink.futures.get(0).complete(null);
                assertThat(second.read().type()).as("PUBREC on the connection that took over").isEqualTo(5);
                assertThat(sink.messages).as("not sunk again").hasSize(1);
                await().until(() -> store.get("mover").map(SessionSnapshot::inboundQos2).orElseThrow().contains(3));
                second.pubrel(3);
                assertThat(second.read().type()).isEqualTo(7);
            }
            assertThat(subscriber.read().type()).isEqualTo(3);
            subscriber.send(PINGREQ);
            assertThat(subscriber.read().type()).as("delivered once").isEqualTo(13);
        }
    }
}
