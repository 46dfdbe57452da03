package io.mqttbridge.benchmarks.kafka;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.spi.MessageProperties;
import io.mqttbridge.broker.spi.MqttVersion;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.kafka.embedded.EmbeddedKafka;
import io.mqttbridge.kafka.embedded.EmbeddedKafkaConfig;
import io.mqttbridge.kafka.embedded.KafkaExitGuard;
import io.mqttbridge.kafka.mirror.KafkaPublishSink;
import io.mqttbridge.kafka.mirror.MirrorRule;
import io.mqttbridge.kafka.mirror.ProducerSettings;
import io.mqttbridge.kafka.mirror.internal.MirrorRecordFactory;
import io.mqttbridge.testing.kafka.KafkaTestClients;
import io.mqttbridge.testing.kafka.TestKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Not a test: measures, against the embedded Kafka, records per second of (1) Kafka's own producer
 * (acks=all, idempotent, the connector's default batching: linger 5 ms, 128 KiB batches, lz4) and
 * (2) {@link KafkaPublishSink#accept} called directly, waiting for every future, and waiting for
 * the pressure listener whenever the sink stops accepting (as the broker would). 100-byte random
 * values, one partition. Each is run twice; the second run (after JIT warm-up) is the figure.
 *
 * <p>Run: see docs/BENCHMARKS.md. Argument: the record count (default 1,000,000).
 */
public final class KafkaProducerBaseline {

    private static final String[] CLIENTS =
            java.util.stream.IntStream.range(0, 10).mapToObj(i -> "client-" + i).toArray(String[]::new);

    private KafkaProducerBaseline() {
    }

    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        KafkaExitGuard.install();
        Path data = TestKafka.newTemporaryDirectory("bench-kafka-");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(new EmbeddedKafkaConfig().setDataDirectory(data.toString()))) {
            String bootstrap = kafka.bootstrapServers();
            byte[] value = new byte[100];
            new Random(7).nextBytes(value);
            for (int run = 1; run <= 2; run++) {
                String topic = KafkaTestClients.uniqueTopic("bench-raw");
                KafkaTestClients.createTopic(bootstrap, topic, 1);
                report("raw producer", run, count, rawProducer(bootstrap, topic, value, count));
            }
            for (int run = 1; run <= 2; run++) {
                String topic = KafkaTestClients.uniqueTopic("bench-raw-headers");
                KafkaTestClients.createTopic(bootstrap, topic, 1);
                report("raw, sink's records", run, count, rawProducerWithMirrorRecords(bootstrap, topic, value, count));
            }
            for (int run = 1; run <= 2; run++) {
                String topic = KafkaTestClients.uniqueTopic("bench-sink");
                KafkaTestClients.createTopic(bootstrap, topic, 1);
                report("KafkaPublishSink", run, count, sink(bootstrap, topic, value, count));
            }
        } finally {
            TestKafka.deleteRecursively(data);
        }
    }

    static long rawProducer(String bootstrap, String topic, byte[] value, int count) throws Exception {
        ProducerSettings settings = new ProducerSettings();
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(settings.toProperties(bootstrap, "bench-raw"))) {
            CountDownLatch done = new CountDownLatch(count);
            AtomicLong failures = new AtomicLong();
            long start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, value), (m, e) -> {
                    if (e != null) {
                        failures.incrementAndGet();
                    }
                    done.countDown();
                });
            }
            done.await();
            long nanos = System.nanoTime() - start;
            check(failures.get());
            return nanos;
        }
    }

    /** The raw producer sending the very records the sink would: client id key, the mirror's headers. */
    private static long rawProducerWithMirrorRecords(String bootstrap, String topic, byte[] value, int count)
            throws Exception {
        MirrorRecordFactory records = new MirrorRecordFactory("bench");
        ProducerSettings settings = new ProducerSettings();
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(settings.toProperties(bootstrap, "bench-raw-headers"))) {
            CountDownLatch done = new CountDownLatch(count);
            AtomicLong failures = new AtomicLong();
            long start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                PublishedMessage message = message(value, i);
                producer.send(records.create(topic, message.clientId().getBytes(StandardCharsets.UTF_8), message),
                        (m, e) -> {
                            if (e != null) {
                                failures.incrementAndGet();
                            }
                            done.countDown();
                        });
            }
            done.await();
            long nanos = System.nanoTime() - start;
            check(failures.get());
            return nanos;
        }
    }

    private static PublishedMessage message(byte[] value, int i) {
        return new PublishedMessage("bench/device", value, 1, false, CLIENTS[i % CLIENTS.length], null,
                MqttVersion.MQTT_3_1_1, Instant.now(), MessageProperties.NONE);
    }

    private static long sink(String bootstrap, String topic, byte[] value, int count) throws Exception {
        try (KafkaPublishSink sink = KafkaPublishSink.create(bootstrap, List.of(new MirrorRule("bench/#", topic)),
                new ProducerSettings(), "bench", new MetricRegistry())) {
            Object pressure = new Object();
            sink.addPressureListener(() -> {
                synchronized (pressure) {
                    pressure.notifyAll();
                }
            });
            CountDownLatch done = new CountDownLatch(count);
            AtomicLong failures = new AtomicLong();
            long start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                while (!sink.isAcceptingPublishes()) {
                    synchronized (pressure) {
                        if (!sink.isAcceptingPublishes()) {
                            pressure.wait(10);
                        }
                    }
                }
                CompletableFuture<Void> future = sink.accept(message(value, i));
                future.whenComplete((v, e) -> {
                    if (e != null) {
                        failures.incrementAndGet();
                    }
                    done.countDown();
                });
            }
            done.await(5, TimeUnit.MINUTES);
            long nanos = System.nanoTime() - start;
            check(failures.get());
            return nanos;
        }
    }

    private static void check(long failures) {
        if (failures > 0) {
            throw new IllegalStateException(failures + " records failed");
        }
    }

    private static void report(String what, int run, int count, long nanos) {
        double seconds = nanos / 1e9;
        System.out.printf("%-20s run %d: %,d records in %.2f s = %,.0f records/s%n", what, run, count, seconds,
                count / seconds);
    }
}
