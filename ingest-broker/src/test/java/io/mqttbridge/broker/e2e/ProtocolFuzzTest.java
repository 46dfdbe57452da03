package io.mqttbridge.broker.e2e;

import io.mqttbridge.testing.mqtt.RawMqttClient;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Mutated MQTT 3.1.1 and 5.0 packets from several connections at once, for a bounded time
 * ({@code -Dfuzz.seconds}, default 10; {@code -Dfuzz.seed} repeats a run), with Netty's leak
 * detector at paranoid. Meanwhile a well-behaved control client's QoS 1 round trips must keep
 * succeeding; afterwards no buffer may have leaked and the broker must still serve.
 */
class ProtocolFuzzTest {

    private static final int FUZZ_CONNECTIONS = Integer.getInteger("fuzz.connections", 4);
    private static final Duration ROUND_TRIP_LIMIT = Duration.ofSeconds(5);
    /**
     * Packets per second each fuzzing connection sends at most. Unpaced, four threads on a small
     * machine saturate its cores (with every buffer's stack traces recorded at paranoid level), and
     * the control client would measure CPU starvation rather than isolation.
     */
    private static final int PACKETS_PER_SECOND = Integer.getInteger("fuzz.rate", 1_000);

    private ResourceLeakDetector.Level previousLevel;
    private final ListAppender<ILoggingEvent> leaks = new ListAppender<>();
    private Logger leakLogger;

    @BeforeEach
    void paranoidLeakDetection() {
        previousLevel = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        leakLogger = (Logger) LoggerFactory.getLogger(ResourceLeakDetector.class);
        leaks.start();
        leakLogger.addAppender(leaks);
    }

    @AfterEach
    void restore() {
        leakLogger.detachAppender(leaks);
        ResourceLeakDetector.setLevel(previousLevel);
    }

    /** Valid packets of both versions: the raw material the mutations start from. */
    private static List<byte[]> corpus(boolean mqtt5, Random random) {
        List<byte[]> packets = new ArrayList<>();
        int id = 1 + random.nextInt(65_000);
        packets.add(RawMqttClient.publish(0, "fuzz/a", 0, "payload", mqtt5));
        packets.add(RawMqttClient.publish(1, "fuzz/b/" + id, id, "x".repeat(random.nextInt(200)), mqtt5));
        packets.add(RawMqttClient.publish(2, "fuzz/c", id, "qos2", mqtt5));
        packets.add(RawMqttClient.subscribe(id, "fuzz/#", 1, mqtt5));
        packets.add(RawMqttClient.subscribe(id, "$share/g/fuzz/+", 2, mqtt5));
        packets.add(RawMqttClient.packet(0x62, new byte[] {(byte) (id >> 8), (byte) id}));            // PUBREL
        packets.add(RawMqttClient.packet(0x40, new byte[] {(byte) (id >> 8), (byte) id}));            // PUBACK
        packets.add(RawMqttClient.packet(0x50, new byte[] {(byte) (id >> 8), (byte) id}));            // PUBREC
        packets.add(RawMqttClient.packet(0xA2, new byte[] {0, 7, 0, 6, 'f', 'u', 'z', 'z', '/', 'a'})); // UNSUBSCRIBE 3.1.1
        packets.add(RawMqttClient.packet(0xC0, new byte[0]));                                           // PINGREQ
        if (mqtt5) {
            // Topic alias 1 and a user property: the property decoder gets its share of damage.
            packets.add(RawMqttClient.publish5(1, "fuzz/alias", id, "p",
                    new byte[] {0x23, 0, 1, 0x26, 0, 1, 'k', 0, 1, 'v'}));
            packets.add(RawMqttClient.packet(0xF0, new byte[] {0x18, 0}));                              // AUTH
        }
        packets.add(RawMqttClient.packet(0xE0, new byte[0]));                                           // DISCONNECT
        return packets;
    }

    private static byte[] mutate(byte[] packet, Random random) {
        byte[] out = packet.clone();
        switch (random.nextInt(6)) {
            case 0 -> out[random.nextInt(out.length)] = (byte) random.nextInt(256);           // one byte
            case 1 -> {                                                                           // several bytes
                for (int i = 0; i < 1 + random.nextInt(4); i++) {
                    out[random.nextInt(out.length)] ^= (byte) (1 << random.nextInt(8));
                }
            }
            case 2 -> out = java.util.Arrays.copyOf(out, Math.max(1, random.nextInt(out.length + 1))); // truncated
            case 3 -> {                                                                           // bytes appended
                byte[] tail = new byte[1 + random.nextInt(16)];
                random.nextBytes(tail);
                byte[] longer = java.util.Arrays.copyOf(out, out.length + tail.length);
                System.arraycopy(tail, 0, longer, out.length, tail.length);
                out = longer;
            }
            case 4 -> {                                                                           // lying length
                if (out.length > 1) {
                    out[1] = (byte) (0x80 | random.nextInt(256));
                }
            }
            default -> {                                                                          // left valid
            }
        }
        return out;
    }

    /** One misbehaving client: connects (maybe with a broken CONNECT), sends mutated packets, repeats until the deadline. */
    private static long fuzz(int port, long seed, long deadlineNanos) {
        Random random = new Random(seed);
        long packets = 0;
        long started = System.nanoTime();
        int round = 0;
        while (System.nanoTime() < deadlineNanos) {
            boolean mqtt5 = random.nextBoolean();
            String clientId = "fuzz-" + seed + "-" + round++;
            byte[] connect = mqtt5 ? RawMqttClient.connect5(clientId, random.nextBoolean(), 30, new byte[0])
                    : RawMqttClient.connect(4, clientId, random.nextBoolean(), 30);
            try (Socket socket = new Socket("127.0.0.1", port)) {
                socket.setSoTimeout(20);
                OutputStream out = socket.getOutputStream();
                InputStream in = socket.getInputStream();
                out.write(random.nextInt(10) == 0 ? mutate(connect, random) : connect);
                List<byte[]> corpus = corpus(mqtt5, random);
                int count = 1 + random.nextInt(30);
                for (int i = 0; i < count && System.nanoTime() < deadlineNanos; i++) {
                    byte[] packet = corpus.get(random.nextInt(corpus.size()));
                    out.write(random.nextInt(3) == 0 ? packet : mutate(packet, random));
                    packets++;
                    drain(in);
                    long ahead = started + packets * 1_000_000_000L / PACKETS_PER_SECOND - System.nanoTime();
                    if (ahead > 0) {
                        java.util.concurrent.locks.LockSupport.parkNanos(ahead);
                    }
                }
                out.flush();
                drain(in);
            } catch (IOException closedByTheBroker) {
                // Expected for most mutations: the broker closes the connection.
            }
        }
        return packets;
    }

    private static void drain(InputStream in) throws IOException {
        byte[] buffer = new byte[4096];
        try {
            while (in.available() > 0 && in.read(buffer) > 0) {
                // discard
            }
        } catch (SocketTimeoutException ignored) {
            // nothing more for now
        }
    }

    @Test
    void mutatedPacketsFromSeveralConnectionsNeitherLeakNorCrashNorDisturbAControlClient() throws Exception {
        long seconds = Long.getLong("fuzz.seconds", 10);
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        System.out.println("ProtocolFuzzTest seed " + seed + " (repeat with -Dfuzz.seed=" + seed + ")");
        try (TestBroker broker = TestBroker.start()) {
            Mqtt5BlockingClient control = MqttClient.builder().useMqttVersion5().identifier("control")
                    .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
            control.connect();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            ExecutorService fuzzers = Executors.newFixedThreadPool(Math.max(1, FUZZ_CONNECTIONS));
            List<Future<Long>> sent = new ArrayList<>();
            for (int i = 0; i < FUZZ_CONNECTIONS; i++) {
                long connectionSeed = seed + i;
                sent.add(fuzzers.submit(() -> fuzz(broker.port(), connectionSeed, deadline)));
            }
            AtomicLong roundTrips = new AtomicLong();
            long slowestNanos = 0;
            try (Mqtt5BlockingClient.Mqtt5Publishes received = control.publishes(MqttGlobalPublishFilter.ALL)) {
                control.subscribeWith().topicFilter("control/echo").qos(MqttQos.AT_LEAST_ONCE).send();
                while (System.nanoTime() < deadline) {
                    long started = System.nanoTime();
                    byte[] payload = ("ping-" + roundTrips.get()).getBytes(StandardCharsets.UTF_8);
                    control.publishWith().topic("control/echo").qos(MqttQos.AT_LEAST_ONCE).payload(payload).send();
                    Optional<Mqtt5Publish> echo = received.receive(ROUND_TRIP_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
                    assertThat(echo).as("round trip %d during fuzzing", roundTrips.get()).isPresent();
                    assertThat(echo.get().getPayloadAsBytes()).isEqualTo(payload);
                    roundTrips.incrementAndGet();
                    slowestNanos = Math.max(slowestNanos, System.nanoTime() - started);
                }
            }
            long packets = 0;
            for (Future<Long> future : sent) {
                packets += future.get(30, TimeUnit.SECONDS);
            }
            fuzzers.shutdown();
            System.out.println("ProtocolFuzzTest sent " + packets + " packets, " + roundTrips.get()
                    + " control round trips, the slowest " + TimeUnit.NANOSECONDS.toMillis(slowestNanos) + " ms");
            assertThat(packets).isPositive();
            assertThat(roundTrips.get()).isPositive();
            assertThat(broker.broker.isRunning()).isTrue();
            control.disconnect();
            provokeLeakReports();
            assertThat(leaks.list).as("Netty leak reports").extracting(ILoggingEvent::getFormattedMessage)
                    .noneMatch(message -> message.contains("LEAK"));
        }
    }

    @Test
    void theLeakCheckSeesADeliberateLeak() throws Exception {
        leakOneBuffer();
        provokeLeakReports();
        assertThat(leaks.list).extracting(ILoggingEvent::getFormattedMessage).anyMatch(message -> message.contains("LEAK"));
    }

    private static void leakOneBuffer() {
        PooledByteBufAllocator.DEFAULT.directBuffer(64).writeInt(42);
    }

    /**
     * Leaks are reported when a later allocation finds a collected, unreleased buffer. The pauses
     * give the JVM's reference handler time to enqueue what the collection found; they wait for
     * no condition of the broker.
     */
    private static void provokeLeakReports() throws InterruptedException {
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(50);
            for (int j = 0; j < 100; j++) {
                ByteBuf probe = PooledByteBufAllocator.DEFAULT.directBuffer(16);
                probe.release();
            }
        }
    }
}
