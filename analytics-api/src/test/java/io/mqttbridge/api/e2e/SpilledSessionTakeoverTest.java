package io.mqttbridge.api.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.SessionSnapshot;
import io.mqttbridge.broker.spi.SessionSnapshot.PendingMessage;
import io.mqttbridge.broker.spi.SessionSnapshot.StoredOnlyMessage;
import io.mqttbridge.broker.spi.SessionStore;
import io.mqttbridge.db.testing.TestDatabase;
import io.mqttbridge.db.store.JdbiRetainedStore;
import io.mqttbridge.db.store.JdbiSessionStore;
import io.mqttbridge.kafka.mirror.ProducerSettings;
import io.mqttbridge.kafka.testing.ClusterNode;
import io.mqttbridge.testing.kafka.KafkaTestClients;
import io.mqttbridge.testing.kafka.TestKafka;
import io.mqttbridge.testing.mqtt.PahoV3Collector;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A persistent session whose backlog is larger than the heap bound of the node its client moves to,
 * on the PostgreSQL session store and the Kafka cluster fabric: node two (a heap bound of 1 % of this
 * JVM's heap, about 10 MiB here) takes over a session that node one holds with 25 MiB of queued
 * messages. It reads the content of only what its bound has room for; the rest stays in the store and
 * is read back as the client takes what it has, and the client gets every message once, in order.
 */
class SpilledSessionTakeoverTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();

    private static final int PAYLOAD = 128 * 1024;
    private static final int MESSAGES = 200;

    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    @Test
    void aNodeTakingOverASessionLargerThanItsHeapBoundReadsWhatFitsAndDeliversEveryMessageInOrder() throws Exception {
        String prefix = KafkaTestClients.uniqueTopic("spill-takeover");
        List<SessionSnapshot> takenOver = new CopyOnWriteArrayList<>();
        ClusterNode one = node(prefix, "spill-n1", new JdbiSessionStore(db.jdbi(), "spill-n1"), 40, null);
        ClusterNode two = node(prefix, "spill-n2", new JdbiSessionStore(db.jdbi(), "spill-n2"), 1, takenOver);
        one.awaitAlive(two);
        two.awaitAlive(one);

        MqttClient mover = connect(one, "spill-mover", false, null);
        mover.subscribe("take/#", 1);
        mover.disconnect();
        MqttClient publisher = connect(one, "spill-pub", true, null);
        for (int i = 0; i < MESSAGES; i++) {
            byte[] payload = new byte[PAYLOAD];
            ByteBuffer.wrap(payload).putInt(i);
            MqttMessage message = new MqttMessage(payload);
            message.setQos(1);
            publisher.publish("take/big", message); // acknowledged once the session store holds it
        }

        PahoV3Collector back = new PahoV3Collector();
        connect(two, "spill-mover", false, back);
        await().atMost(Duration.ofSeconds(60)).until(() -> back.messages().size() >= MESSAGES);
        assertThat(back.messages()).extracting(message -> ByteBuffer.wrap(message.getPayload()).getInt())
                .as("every message, once, in order").isEqualTo(IntStream.range(0, MESSAGES).boxed().toList());

        assertThat(takenOver).as("node two's takeover read the session with a budget").hasSize(1);
        SessionSnapshot loaded = takenOver.get(0);
        long readBytes = loaded.pending().stream().mapToLong(m -> m.message().payload().length).sum();
        long bound = Runtime.getRuntime().maxMemory() / 100;
        assertThat(readBytes).as("the content read stays within node two's bound").isLessThanOrEqualTo(bound);
        assertThat(loaded.storedOnly()).as("the rest stayed in the store, after what was read")
                .isNotEmpty()
                .allSatisfy(m -> assertThat(m.sequence()).isGreaterThan(
                        loaded.pending().stream().mapToLong(PendingMessage::sequence).max().orElse(0)));
        assertThat(loaded.pending().size() + loaded.storedOnly().size()).isEqualTo(MESSAGES);
        assertThat(loaded.storedOnly()).extracting(StoredOnlyMessage::bytes).allSatisfy(bytes ->
                assertThat(bytes).isGreaterThanOrEqualTo(PAYLOAD));
    }

    /** @param loadsToHold where the node's budgeted takeover loads are recorded, or null */
    private ClusterNode node(String prefix, String nodeId, JdbiSessionStore store, int heapPercent,
                             List<SessionSnapshot> loadsToHold) {
        JdbiRetainedStore retained = new JdbiRetainedStore(db.jdbi());
        closing.add(store);
        closing.add(retained);
        SessionStore sessions = loadsToHold == null ? store : recordingLoadsToHold(store, loadsToHold);
        ClusterNode node = ClusterNode.start(TestKafka.bootstrapServers(), ClusterNode.testConfig(prefix), nodeId,
                sessions, retained, List.of(), new ProducerSettings().setLingerMs(1),
                new ProducerSettings().setLingerMs(1), Authenticator.ALLOW_ALL,
                config -> config.setMaxQueuedHeapPercent(heapPercent));
        closing.add(node);
        return node;
    }

    /** {@code store}, recording the snapshots its {@code loadToHold(clientId, budget)} returns. */
    @SuppressWarnings("unchecked")
    private static SessionStore recordingLoadsToHold(SessionStore store, List<SessionSnapshot> loaded) {
        return (SessionStore) Proxy.newProxyInstance(SessionStore.class.getClassLoader(),
                new Class<?>[] {SessionStore.class}, (proxy, method, args) -> {
                    Object result;
                    try {
                        result = method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                    if (method.getName().equals("loadToHold") && args.length == 2) {
                        ((CompletableFuture<Optional<SessionSnapshot>>) result)
                                .thenAccept(snapshot -> snapshot.ifPresent(loaded::add));
                    }
                    return result;
                });
    }

    private MqttClient connect(ClusterNode node, String clientId, boolean cleanSession, PahoV3Collector collector)
            throws Exception {
        MqttClient client = new MqttClient(node.serverUri(), clientId, new MemoryPersistence());
        if (collector != null) {
            client.setCallback(collector);
        }
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(cleanSession);
        options.setMaxInflight(1000);
        client.connect(options);
        closing.add(() -> {
            if (client.isConnected()) {
                client.disconnectForcibly(1000);
            }
            client.close();
        });
        return client;
    }
}
