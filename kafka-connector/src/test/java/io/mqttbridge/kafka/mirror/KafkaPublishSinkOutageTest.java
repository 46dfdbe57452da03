package io.mqttbridge.kafka.mirror;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.spi.MqttReasonCode;
import io.mqttbridge.broker.spi.PublishRejectedException;
import io.mqttbridge.kafka.embedded.EmbeddedKafka;
import io.mqttbridge.kafka.embedded.EmbeddedKafkaConfig;
import io.mqttbridge.kafka.embedded.KafkaExitGuard;
import io.mqttbridge.kafka.embedded.internal.FreePorts;
import io.mqttbridge.kafka.testing.Messages;
import io.mqttbridge.testing.kafka.KafkaTestClients;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kafka outages, with a Kafka of this test's own that it can stop and restart on the same data. */
class KafkaPublishSinkOutageTest {

    @TempDir
    Path dataDirectory;

    private EmbeddedKafkaConfig kafkaConfig;
    private EmbeddedKafka kafka;
    private KafkaPublishSink sink;
    private final MetricRegistry metrics = new MetricRegistry();
    private final String topic = KafkaTestClients.uniqueTopic("outage");

    @BeforeEach
    void startKafka() {
        KafkaExitGuard.install();
        // A fixed port, so that the producer finds the restarted broker where it was.
        kafkaConfig = new EmbeddedKafkaConfig().setDataDirectory(dataDirectory.toString())
                .setPort(FreePorts.pick("127.0.0.1"));
        kafka = EmbeddedKafka.start(kafkaConfig);
    }

    @AfterEach
    void stopAll() {
        if (sink != null) {
            sink.close();
        }
        kafka.close();
    }

    @Test
    void withKafkaStoppedAFutureNeverSucceedsAndFailsWithUnspecifiedErrorAfterTheDeliveryTimeout() throws Exception {
        sink = KafkaPublishSink.create(kafka.bootstrapServers(), List.of(new MirrorRule("#", topic)),
                new ProducerSettings().setDeliveryTimeoutMs(4_000).setRequestTimeoutMs(1_500), "n1", metrics);
        sink.accept(Messages.mqtt311("c", "t", "warm-up")).get(30, TimeUnit.SECONDS);
        kafka.close();

        CompletableFuture<Void> future = sink.accept(Messages.mqtt311("c", "t", "lost"));

        await().during(Duration.ofMillis(1_500)).atMost(Duration.ofSeconds(3)).until(() -> !future.isDone());
        await().atMost(Duration.ofSeconds(20)).until(future::isDone);
        assertThat(future).isCompletedExceptionally();
        assertThat(reasonCode(future)).isEqualTo(MqttReasonCode.UNSPECIFIED_ERROR);
        assertThat(metrics.meter("kafka.mirror.records.failed").getCount()).isEqualTo(1);
        assertThat(sink.outstandingBytes()).isZero();
    }

    @Test
    void backPressureHoldsMemoryWhileKafkaIsDownAndEveryAckedMessageIsInKafkaExactlyOnceAndInOrderAfterwards() throws Exception {
        ProducerSettings settings = new ProducerSettings()
                .setDeliveryTimeoutMs(120_000).setRequestTimeoutMs(5_000)
                .setOutstandingHighWaterBytes(20_000).setOutstandingLowWaterBytes(10_000)
                .setOutstandingLimitBytes(40_000);
        sink = KafkaPublishSink.create(kafka.bootstrapServers(), List.of(new MirrorRule("#", topic)), settings, "n1",
                metrics);
        List<Boolean> pressureSignals = new CopyOnWriteArrayList<>();
        sink.addPressureListener(() -> pressureSignals.add(sink.isAcceptingPublishes()));
        sink.accept(Messages.mqtt311("c", "t", "0")).get(30, TimeUnit.SECONDS);
        kafka.close();

        Map<Integer, CompletableFuture<Void>> pending = new TreeMap<>();
        List<CompletableFuture<Void>> refused = new ArrayList<>();
        for (int id = 1; id <= 100; id++) {
            CompletableFuture<Void> future = sink.accept(Messages.mqtt311("c", "t", padded(id)));
            if (future.isCompletedExceptionally()) {
                refused.add(future);
            } else {
                pending.put(id, future);
            }
        }

        assertThat(sink.isAcceptingPublishes()).isFalse();
        assertThat(pressureSignals).containsExactly(false);
        assertThat(refused).isNotEmpty().allSatisfy(f ->
                assertThat(reasonCode(f)).isEqualTo(MqttReasonCode.QUOTA_EXCEEDED));
        assertThat(sink.outstandingBytes()).isBetween(20_000L, 40_000L);
        assertThat(pending.values()).noneMatch(CompletableFuture::isDone);

        kafka = EmbeddedKafka.start(kafkaConfig);

        await().atMost(Duration.ofSeconds(60)).until(() -> pending.values().stream().allMatch(CompletableFuture::isDone));
        assertThat(pending.values()).noneMatch(CompletableFuture::isCompletedExceptionally);
        assertThat(sink.isAcceptingPublishes()).isTrue();
        assertThat(pressureSignals).containsExactly(false, true);
        List<ConsumerRecord<byte[], byte[]>> records =
                KafkaTestClients.readAll(kafka.bootstrapServers(), topic, pending.size() + 1, Duration.ofSeconds(30));
        List<Integer> ids = records.stream().map(r -> Integer.parseInt(new String(r.value(), UTF_8).trim())).toList();
        Set<Integer> expected = new HashSet<>(pending.keySet());
        expected.add(0);
        assertThat(ids).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(expected);
        assertThat(ids).as("one client's messages keep their order through the outage").isSorted();
    }

    /** 1 KB payloads that start with the id. */
    private static String padded(int id) {
        return String.format("%-1000d", id);
    }

    private static int reasonCode(CompletableFuture<Void> future) {
        try {
            future.get();
            throw new AssertionError("expected the publish to be rejected");
        } catch (ExecutionException e) {
            return ((PublishRejectedException) e.getCause()).reasonCode();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
