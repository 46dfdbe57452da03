package io.mqttbridge.kafka.endtoend;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubRecException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.kafka.embedded.EmbeddedKafka;
import io.mqttbridge.kafka.embedded.EmbeddedKafkaConfig;
import io.mqttbridge.kafka.embedded.KafkaExitGuard;
import io.mqttbridge.kafka.embedded.internal.FreePorts;
import io.mqttbridge.kafka.mirror.MirrorRule;
import io.mqttbridge.kafka.mirror.ProducerSettings;
import io.mqttbridge.kafka.testing.MirroredBroker;
import io.mqttbridge.testing.kafka.KafkaTestClients;
import io.mqttbridge.testing.mqtt.RawMqttClient;
import io.netty.handler.codec.mqtt.MqttMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The delivery promise through the real broker while the Kafka behind the mirror goes away: a
 * Kafka of this class's own, stopped and restarted on the same port and data.
 */
class KafkaOutageEndToEndTest {

    private static final int DELIVERY_TIMEOUT_MS = 4_000;

    @TempDir
    Path dataDirectory;

    private EmbeddedKafkaConfig kafkaConfig;
    private EmbeddedKafka kafka;
    private MirroredBroker bridge;
    private final String topic = KafkaTestClients.uniqueTopic("e2e-outage");

    @BeforeEach
    void startKafka() {
        KafkaExitGuard.install();
        // A fixed port, so that the producer finds the restarted Kafka where it was.
        kafkaConfig = new EmbeddedKafkaConfig().setDataDirectory(dataDirectory.toString())
                .setPort(FreePorts.pick("127.0.0.1"));
        kafka = EmbeddedKafka.start(kafkaConfig);
    }

    @AfterEach
    void stopAll() {
        if (bridge != null) {
            bridge.close();
        }
        kafka.close();
    }

    @Test
    void mqtt311Qos1PublisherIsClosedWhenKafkaIsDownLongerThanTheDeliveryTimeoutAndResumesWhenKafkaIsBack()
            throws Exception {
        bridge = MirroredBroker.start(kafka.bootstrapServers(), List.of(new MirrorRule("#", topic)), shortTimeouts());
        MqttAsyncClient client = new MqttAsyncClient(bridge.serverUri(), "paho3-outage", new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        options.setCleanSession(false);
        options.setKeepAliveInterval(2);
        options.setAutomaticReconnect(true);
        options.setMaxReconnectDelay(1_000);
        client.connect(options).waitForCompletion(10_000);
        client.publish("t/paho3", "before".getBytes(UTF_8), 1, false).waitForCompletion(30_000);
        kafka.close();

        IMqttDeliveryToken token = client.publish("t/paho3", "during".getBytes(UTF_8), 1, false);

        await("the connection to be closed once the sink gave up after the delivery timeout")
                .atMost(Duration.ofSeconds(20))
                .until(() -> bridge.metrics().meter(BrokerMetrics.CLOSED_PUBLISH_NOT_STORED).getCount() >= 1);
        assertThat(bridge.metrics().meter("kafka.mirror.records.failed").getCount()).isGreaterThanOrEqualTo(1);
        assertThat(token.isComplete()).as("no PUBACK for a message Kafka did not store").isFalse();

        kafka = EmbeddedKafka.start(kafkaConfig);
        // Paho reconnects by itself and resends the unacknowledged message on the new connection.
        await("the retransmission to be acknowledged").atMost(Duration.ofSeconds(60)).until(token::isComplete);
        assertThat(token.getException()).isNull();
        client.publish("t/paho3", "after".getBytes(UTF_8), 1, false).waitForCompletion(30_000);
        client.disconnect().waitForCompletion(5_000);
        client.close();
        List<String> payloads = payloads(KafkaTestClients.readAll(kafka.bootstrapServers(), topic, 3,
                Duration.ofSeconds(30)));
        assertThat(payloads).containsExactly("before", "during", "after");
    }

    @Test
    void mqtt5PublishersGetErrorCodesWhileKafkaIsDownMemoryStaysBoundedAndEveryAckedMessageIsInKafkaOnce()
            throws Exception {
        ProducerSettings settings = shortTimeouts().setOutstandingHighWaterBytes(20_000)
                .setOutstandingLowWaterBytes(10_000).setOutstandingLimitBytes(40_000);
        bridge = MirroredBroker.start(kafka.bootstrapServers(), List.of(new MirrorRule("#", topic)), settings);
        AtomicLong maxOutstanding = new AtomicLong();
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        sampler.scheduleAtFixedRate(() -> maxOutstanding.accumulateAndGet(
                (Long) bridge.metrics().getGauges().get("kafka.mirror.outstanding-bytes").getValue(), Math::max),
                0, 2, TimeUnit.MILLISECONDS);
        List<Publisher> publishers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            publishers.add(new Publisher("hive5-" + i, bridge.port()));
        }
        try {
            publishers.forEach(Publisher::start);
            await().atMost(Duration.ofSeconds(30)).until(() -> publishers.stream().allMatch(p -> p.acked.size() > 20));
            kafka.close();
            await("delivery timeouts (0x80) and the outstanding limit (0x97) while Kafka is down")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> rejections(publishers, 0x80) > 0 && rejections(publishers, 0x97) > 0);
            int ackedWhileDown = acked(publishers);
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2))
                    .until(() -> acked(publishers) == ackedWhileDown);

            kafka = EmbeddedKafka.start(kafkaConfig);
            await("acks to resume once Kafka is back").atMost(Duration.ofSeconds(60))
                    .until(() -> acked(publishers) > ackedWhileDown + 200);
        } finally {
            publishers.forEach(Publisher::stop);
            sampler.shutdownNow();
        }

        assertThat(maxOutstanding.get()).as("outstanding bytes never pass the limit").isLessThanOrEqualTo(40_000);
        Set<String> acked = new HashSet<>();
        publishers.forEach(p -> acked.addAll(p.acked));
        List<String> inKafka = payloads(KafkaTestClients.readAll(kafka.bootstrapServers(), topic, acked.size(),
                Duration.ofSeconds(30)));
        assertThat(inKafka).as("no message is in Kafka twice").doesNotHaveDuplicates();
        assertThat(inKafka).as("every acknowledged message is in Kafka").containsAll(acked);
    }

    @Test
    void mqtt5Qos2GetsAPubrecWithAnErrorCodeAfterTheDeliveryTimeoutAndNothingOfItIsStored() throws Exception {
        bridge = MirroredBroker.start(kafka.bootstrapServers(), List.of(new MirrorRule("#", topic)), shortTimeouts());
        Mqtt5AsyncClient client = MqttClient.builder().identifier("hive5-qos2").serverHost("127.0.0.1")
                .serverPort(bridge.port()).useMqttVersion5().buildAsync();
        client.connect().get(10, TimeUnit.SECONDS);
        int before = client.publishWith().topic("t/q2").qos(MqttQos.EXACTLY_ONCE).payload("before".getBytes(UTF_8))
                .send().handle(KafkaOutageEndToEndTest::qos2ReasonCode).get(30, TimeUnit.SECONDS);
        assertThat(before).isZero();
        kafka.close();

        CompletableFuture<Integer> during = client.publishWith().topic("t/q2").qos(MqttQos.EXACTLY_ONCE)
                .payload("during".getBytes(UTF_8)).send().handle(KafkaOutageEndToEndTest::qos2ReasonCode);

        await("no PUBREC before the delivery timeout").during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3))
                .until(() -> !during.isDone());
        await("the send to time out").atMost(Duration.ofSeconds(30))
                .until(() -> bridge.metrics().meter("kafka.mirror.records.failed").getCount() >= 1);
        // A QoS 2 send that timed out may have been written all the same: before telling the client, the
        // broker asks Kafka, which can answer once it is back ("not stored" here, so 0x80).
        kafka = EmbeddedKafka.start(kafkaConfig);
        assertThat(during.get(90, TimeUnit.SECONDS)).isEqualTo(0x80);
        client.disconnect().get(5, TimeUnit.SECONDS);
        assertThat(payloads(KafkaTestClients.readAll(kafka.bootstrapServers(), topic, 1, Duration.ofSeconds(30))))
                .containsExactly("before");
    }

    @Test
    void qos2PubrecFollowsTheKafkaAckAndARetransmittedPublishBeforePubrelIsWrittenOnce() throws Exception {
        bridge = MirroredBroker.start(kafka.bootstrapServers(), List.of(new MirrorRule("#", topic)),
                new ProducerSettings().setDeliveryTimeoutMs(60_000).setRequestTimeoutMs(2_000));
        try (RawMqttClient client = RawMqttClient.openConnected(bridge.port(), "raw-qos2")) {
            client.publishQos2("t/raw", 1, "first".getBytes(UTF_8), false);
            assertThat(RawMqttClient.describe(client.next(30))).isEqualTo("PUBREC:1");
            client.pubrel(1);
            assertThat(RawMqttClient.describe(client.next(10))).isEqualTo("PUBCOMP:1");
            kafka.close();

            client.publishQos2("t/raw", 7, "second".getBytes(UTF_8), false);
            await().during(Duration.ofMillis(1_500)).atMost(Duration.ofSeconds(3)).until(client::nothingReceived);
            client.publishQos2("t/raw", 7, "second".getBytes(UTF_8), true);
            await().during(Duration.ofMillis(1_000)).atMost(Duration.ofSeconds(2)).until(client::nothingReceived);

            kafka = EmbeddedKafka.start(kafkaConfig);
            MqttMessage pubrec = client.next(30);
            assertThat(pubrec).as("PUBREC once Kafka is back").isNotNull();
            assertThat(RawMqttClient.describe(pubrec)).isEqualTo("PUBREC:7");
            assertThat(payloads(KafkaTestClients.readAll(kafka.bootstrapServers(), topic, 2, Duration.ofSeconds(10))))
                    .as("in Kafka when PUBREC arrives").containsExactly("first", "second");

            client.publishQos2("t/raw", 7, "second".getBytes(UTF_8), true);
            assertThat(RawMqttClient.describe(client.next(10))).as("a retransmission after PUBREC").isEqualTo("PUBREC:7");
            client.pubrel(7);
            assertThat(RawMqttClient.describe(client.next(10))).isEqualTo("PUBCOMP:7");
        }
        assertThat(payloads(KafkaTestClients.readAll(kafka.bootstrapServers(), topic, 2, Duration.ofSeconds(10))))
                .containsExactly("first", "second");
        assertThat(bridge.metrics().meter("kafka.mirror.records.acked").getCount()).isEqualTo(2);
    }

    /** The PUBREC reason code, however the HiveMQ client reports it. */
    private static int qos2ReasonCode(Mqtt5PublishResult result, Throwable failure) {
        Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
        if (cause == null && result.getError().isPresent()) {
            cause = result.getError().get();
        }
        if (cause instanceof Mqtt5PubRecException rejected) {
            return rejected.getMqttMessage().getReasonCode().getCode();
        }
        if (cause != null) {
            throw new AssertionError("QoS 2 publish failed without a PUBREC", cause);
        }
        return ((Mqtt5PublishResult.Mqtt5Qos2Result) result).getPubRec().getReasonCode().getCode();
    }

    private static ProducerSettings shortTimeouts() {
        return new ProducerSettings().setDeliveryTimeoutMs(DELIVERY_TIMEOUT_MS).setRequestTimeoutMs(1_500);
    }

    private static int acked(List<Publisher> publishers) {
        return publishers.stream().mapToInt(p -> p.acked.size()).sum();
    }

    private static int rejections(List<Publisher> publishers, int reasonCode) {
        return publishers.stream().mapToInt(p -> p.rejections.getOrDefault(reasonCode, new AtomicInteger()).get()).sum();
    }

    private static List<String> payloads(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> new String(r.value(), UTF_8).trim()).toList();
    }

    /**
     * An MQTT 5 device that keeps publishing 1 KB QoS 1 messages with up to 20 in flight, and
     * remembers which ones were acknowledged with success and which reason codes it got otherwise.
     */
    private static final class Publisher {

        final Set<String> acked = ConcurrentHashMap.newKeySet();
        final Map<Integer, AtomicInteger> rejections = new ConcurrentHashMap<>();
        private final Mqtt5AsyncClient client;
        private final String id;
        private final Semaphore window = new Semaphore(20);
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<CompletableFuture<?>> all = new ArrayList<>();
        private final Thread thread;

        Publisher(String id, int port) {
            this.id = id;
            this.client = MqttClient.builder().identifier(id).serverHost("127.0.0.1").serverPort(port)
                    .useMqttVersion5().buildAsync();
            this.thread = new Thread(this::run, id);
        }

        void start() {
            client.connect().join();
            thread.start();
        }

        private void run() {
            int seq = 0;
            while (running.get()) {
                try {
                    // Timed, so that stop() is noticed while the window is full.
                    if (window.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                        publish(id + "-" + seq++);
                    }
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private void publish(String payload) {
            CompletableFuture<?> ack = client.publishWith().topic("t/" + id).qos(MqttQos.AT_LEAST_ONCE)
                    .payload(String.format("%-1000s", payload).getBytes(UTF_8)).send()
                    .whenComplete((result, failure) -> {
                        window.release();
                        record(payload, result, failure);
                    });
            synchronized (all) {
                all.add(ack);
            }
        }

        private void record(String payload, Mqtt5PublishResult result, Throwable failure) {
            int reasonCode;
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
                reasonCode = cause instanceof Mqtt5PubAckException e ? e.getMqttMessage().getReasonCode().getCode() : -1;
            } else {
                reasonCode = ((Mqtt5PublishResult.Mqtt5Qos1Result) result).getPubAck().getReasonCode().getCode();
            }
            if (reasonCode >= 0 && reasonCode < 0x80) {
                acked.add(payload);
            } else {
                rejections.computeIfAbsent(reasonCode, c -> new AtomicInteger()).incrementAndGet();
            }
        }

        void stop() {
            running.set(false);
            try {
                thread.join(10_000);
                List<CompletableFuture<?>> pending;
                synchronized (all) {
                    pending = List.copyOf(all);
                }
                CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).exceptionally(e -> null)
                        .get(30, TimeUnit.SECONDS);
                client.disconnect().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError(id + " did not stop cleanly", e);
            }
        }
    }
}
