package io.mqttbridge.db.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.spi.SessionSnapshot;
import io.mqttbridge.db.testing.TestDatabase;
import io.mqttbridge.testing.mqtt.PahoV3Collector;
import io.mqttbridge.testing.mqtt.RawMqttClient;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code broker.maxQueuedHeapPercent} (1 % of this JVM's heap, about 10 MiB here) on a broker on the
 * PostgreSQL session store, across a restart: what an offline persistent session got past the bound
 * waits in the store alone ("spilled"); the snapshots saved meanwhile (at the broker's stop, at a
 * reconnect while messages are spilled) keep those rows; the new broker restores the session spilling
 * again what does not fit the bound; and the client gets every message once, in order, when it is back.
 */
class SpilledMessagesRestartTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();

    private static final String SUBSCRIBER = "spill-away";
    private static final int PAYLOAD = 128 * 1024;
    /** About 30 MiB: three times the heap bound. */
    private static final int MESSAGES = 240;
    /** Unacknowledged messages per session: a client that reads and never acknowledges holds this many. */
    private static final int INFLIGHT = 8;

    private StoreBackedBroker node;
    private final List<AutoCloseable> clients = new ArrayList<>();

    @BeforeEach
    void start() {
        db.jdbi().useHandle(h -> h.execute("TRUNCATE broker_session_state, broker_session_messages, "
                + "broker_session_inbound_qos2, broker_recovery_messages, broker_stored_messages, retained_messages"));
        node = newNode();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable client : clients) {
            client.close();
        }
        node.close();
    }

    /** A broker with a heap bound of 1 % and a small window for unacknowledged messages. */
    private static StoreBackedBroker newNode() {
        return new StoreBackedBroker(db.jdbi(), JdbiSessionStore.DEFAULT_PAGE_SIZE, config -> {
            config.setMaxQueuedHeapPercent(1);
            config.setMaxInflightOutbound(INFLIGHT);
        });
    }

    /** The bound is decided every 20 ms: a burst passes it by what arrives meanwhile (4 MiB of margin). */
    private static final long BURST = 32L * PAYLOAD;

    /** The heap bound of 1 %, as the broker computes it. */
    private static long bound() {
        return Runtime.getRuntime().maxMemory() / 100;
    }

    private void restart() {
        node.close();
        node = newNode();
    }

    @Test
    void messagesSpilledBeforeAStopSurviveItsSaveAreSpilledAgainAtRestoreAndAllArriveInOrderOnce() throws Exception {
        subscribeAndGoAway();

        publish(0, MESSAGES);
        long spilledBefore = node.spilled();
        assertThat(spilledBefore).as("30 MiB for an offline session, about 10 MiB of heap: the rest is spilled")
                .isBetween(1L, (long) MESSAGES - 1);
        assertThat(node.queuedBytes()).isLessThan(bound() + BURST);

        node.close(); // saves the session's snapshot: its in-memory messages, not the spilled ones
        assertThat(storedSequences()).as("every message is still in the store after the stop's save")
                .hasSize(MESSAGES);

        node = newNode();
        assertRestoredSpilled();

        assertAllArriveInOrderOnce(MESSAGES);
    }

    @Test
    void snapshotsSavedAtAReconnectWhileMessagesAreSpilledBeforeAndAfterARestartLoseNone() throws Exception {
        subscribeAndGoAway();
        publish(0, MESSAGES);
        assertThat(node.spilled()).isPositive();

        // Reconnects (its attach saves a snapshot while messages are spilled), reads, acknowledges none, goes.
        connectReadOneAndGo();
        assertThat(storedSequences()).as("the snapshots of the attach and the detach deleted no spilled message")
                .hasSize(MESSAGES);
        // Still spilling behind those spilled before: new messages are written to the store alone too.
        long spilledBefore = node.spilled();
        publish(MESSAGES, 10);
        assertThat(node.spilled()).isEqualTo(spilledBefore + 10);

        restart();
        assertThat(storedSequences()).hasSize(MESSAGES + 10);
        assertRestoredSpilled();

        // The restored session spilled again: a reconnect's snapshot must keep those rows too.
        connectReadOneAndGo();
        assertThat(storedSequences()).hasSize(MESSAGES + 10);

        assertAllArriveInOrderOnce(MESSAGES + 10);
    }

    /** The persistent subscriber subscribes at QoS 1 and goes offline. */
    private void subscribeAndGoAway() throws Exception {
        MqttClient away = paho(SUBSCRIBER, false, null);
        away.subscribe("spill/#", 1);
        away.disconnect();
    }

    /**
     * After a restart: the restored session holds about the bound in memory and the rest in the store
     * alone, counted as spilled by the new broker.
     */
    private void assertRestoredSpilled() {
        assertThat(node.spilled()).as("the restore spilled what is beyond the bound").isPositive();
        assertThat(node.queuedBytes()).as("the heap holds about the bound, not the 30 MiB restored")
                .isLessThan(bound() + BURST)
                .isLessThan((long) MESSAGES * PAYLOAD / 2);
    }

    /**
     * The subscriber connects (its session is present), reads the first message sent (a snapshot was
     * saved at its attach, before that), acknowledges nothing and closes its connection; returns once
     * the snapshot of its detach is written.
     */
    private void connectReadOneAndGo() throws Exception {
        try (RawMqttClient reader = new RawMqttClient(node.broker.port())) {
            reader.send(RawMqttClient.connect(4, SUBSCRIBER, false, 0));
            RawMqttClient.Packet connack = reader.read();
            assertThat(connack.type()).as("CONNACK").isEqualTo(2);
            assertThat(connack.body()[0]).as("session present").isEqualTo((byte) 1);
            assertThat(reader.read().type()).as("PUBLISH").isEqualTo(3);
            assertThat(stored(node.sessions.load(SUBSCRIBER)).disconnectedAt()).as("online").isNull();
        }
        await().atMost(Duration.ofSeconds(10))
                .until(() -> stored(node.sessions.load(SUBSCRIBER)).disconnectedAt() != null);
    }

    private void assertAllArriveInOrderOnce(int count) throws Exception {
        PahoV3Collector back = new PahoV3Collector();
        paho(SUBSCRIBER, false, back);
        await().atMost(Duration.ofSeconds(40)).until(() -> back.messages().size() >= count);
        assertThat(back.messages()).extracting(SpilledMessagesRestartTest::numberOf)
                .as("every message, in order, once").isEqualTo(IntStream.range(0, count).boxed().toList());
        // All acknowledged: nothing left in the heap or the store, and nothing arrived twice meanwhile.
        await().atMost(Duration.ofSeconds(10)).until(() -> storedSequences().isEmpty() && node.queuedBytes() == 0);
        assertThat(back.messages()).hasSize(count);
        assertThat(node.metrics.meter(BrokerMetrics.DROPPED + "queue-full").getCount()).isZero();
    }

    /** The sequences of the subscriber's messages in the store, after every write submitted before. */
    private List<Long> storedSequences() throws Exception {
        JdbiSessionStore store = node.broker.isRunning() ? node.sessions : new JdbiSessionStore(db.jdbi(), "reader");
        try {
            return store.loadMessages(SUBSCRIBER, 0, Long.MAX_VALUE).get(10, TimeUnit.SECONDS).stream()
                    .map(SessionSnapshot.PendingMessage::sequence).toList();
        } finally {
            if (store != node.sessions) {
                store.close();
            }
        }
    }

    private static SessionSnapshot stored(CompletableFuture<Optional<SessionSnapshot>> loaded) throws Exception {
        return loaded.get(10, TimeUnit.SECONDS).orElseThrow();
    }

    /** Publishes {@code count} QoS 1 messages of 128 KiB numbered from {@code first}, each acknowledged. */
    private void publish(int first, int count) throws Exception {
        MqttClient publisher = paho("spill-pub", true, null);
        for (int i = first; i < first + count; i++) {
            byte[] payload = new byte[PAYLOAD];
            ByteBuffer.wrap(payload).putInt(i);
            MqttMessage message = new MqttMessage(payload);
            message.setQos(1);
            publisher.publish("spill/big", message);
        }
        publisher.disconnect();
    }

    private MqttClient paho(String id, boolean cleanSession, PahoV3Collector collector) throws Exception {
        MqttClient client = new MqttClient(node.uri(), id, new MemoryPersistence());
        clients.add(() -> {
            if (client.isConnected()) {
                client.disconnectForcibly(100, 100);
            }
            client.close(true);
        });
        if (collector != null) {
            client.setCallback(collector);
        }
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(cleanSession);
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        client.connect(options);
        return client;
    }

    private static int numberOf(MqttMessage message) {
        return ByteBuffer.wrap(message.getPayload()).getInt();
    }
}
