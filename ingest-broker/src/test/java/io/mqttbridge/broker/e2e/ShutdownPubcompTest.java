package io.mqttbridge.broker.e2e;

import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.PublishSink;
import io.mqttbridge.broker.spi.SessionListener;
import io.mqttbridge.testing.mqtt.RawMqttClient;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A stop (SIGTERM) closes a connection only once the PUBCOMPs it owes are written. A PUBCOMP waits
 * until its packet id's record has left the session store; a stop in between closed the connection
 * without it, and paho-mqtt 2.1 (Python), whose flow then went from "resend PUBREL" to "publish" in
 * its failed reconnection attempts, sent the message again after the restart as a new PUBLISH with
 * the same packet id: stored in Kafka and delivered twice (fault probe, 10 of 15 rounds).
 */
class ShutdownPubcompTest {

    private static final byte[] PINGREQ = RawMqttClient.packet(0xC0, new byte[0]);

    @Test
    void aStopWritesTheOwedPubcompBeforeItClosesA311Connection() throws Exception {
        assertThat(typesAfterAStopWithAPubcompOwed(4)).as("PUBCOMP, then the close").containsExactly(7);
    }

    @Test
    void aStopWritesTheOwedPubcompBeforeTheDisconnectOfAnMqtt5Connection() throws Exception {
        assertThat(typesAfterAStopWithAPubcompOwed(5)).as("PUBCOMP, then DISCONNECT 0x8B").containsExactly(7, 14);
    }

    @Test
    void aStopClosesTheConnectionAfterTheBoundWhenThePubcompStaysHeld() throws Exception {
        HeldSessionStore store = new HeldSessionStore();
        TestBroker broker = new TestBroker(c -> { }, Authenticator.ALLOW_ALL, Authorizer.ALLOW_ALL,
                PublishSink.NONE, SessionListener.NONE, store);
        Thread stopping = new Thread(broker::close, "stop");
        try (RawMqttClient publisher = new RawMqttClient(broker.port())) {
            owePubcomp(publisher, 4);
            long start = System.nanoTime();
            stopping.start();
            assertThat(publisher.readUntilClosed()).as("closed without the PUBCOMP").isEmpty();
            assertThat((System.nanoTime() - start) / 1_000_000).as("ms until the close").isLessThan(4_000);
        } finally {
            stopping.join(10_000);
            store.letReleasesGo();
        }
        assertThat(stopping.isAlive()).isFalse();
    }

    /* The packet types a client reads until the close, after a stop that came while it was owed a PUBCOMP. */
    private static List<Integer> typesAfterAStopWithAPubcompOwed(int level) throws Exception {
        HeldSessionStore store = new HeldSessionStore();
        TestBroker broker = new TestBroker(c -> { }, Authenticator.ALLOW_ALL, Authorizer.ALLOW_ALL,
                PublishSink.NONE, SessionListener.NONE, store);
        Thread stopping = new Thread(broker::close, "stop");
        try (RawMqttClient publisher = new RawMqttClient(broker.port())) {
            owePubcomp(publisher, level);
            stopping.start();
            // The stop reaches the connection while the record's deletion is still held.
            for (int i = 0; i < 100 && broker.broker.isRunning(); i++) {
                Thread.sleep(10);
            }
            Thread.sleep(300);
            store.letReleasesGo();
            return publisher.readUntilClosed().stream().map(RawMqttClient.Packet::type).toList();
        } finally {
            stopping.join(10_000);
        }
    }

    /* Connects a persistent session, publishes QoS 2 packet id 7 and releases it: its PUBCOMP waits. */
    private static void owePubcomp(RawMqttClient publisher, int level) throws Exception {
        boolean mqtt5 = level == 5;
        publisher.send(mqtt5 ? RawMqttClient.connect5("pub", false, 60, sessionExpiry())
                : RawMqttClient.connect(4, "pub", false, 60));
        assertThat(publisher.read().type()).as("CONNACK").isEqualTo(2);
        publisher.send(RawMqttClient.publish(2, "x/1", 7, "first", mqtt5));
        assertThat(publisher.read().type()).as("PUBREC").isEqualTo(5);
        publisher.pubrel(7);
        publisher.send(PINGREQ);
        assertThat(publisher.read().type()).as("PINGRESP: PUBREL read, its PUBCOMP held").isEqualTo(13);
    }

    /* MQTT 5 properties: session expiry interval 300 s (the session outlives the connection). */
    private static byte[] sessionExpiry() {
        return new byte[] {0x11, 0, 0, 0x01, 0x2C};
    }
}
