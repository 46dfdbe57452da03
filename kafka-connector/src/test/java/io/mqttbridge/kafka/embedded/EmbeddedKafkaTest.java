package io.mqttbridge.kafka.embedded;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.mqttbridge.testing.kafka.KafkaTestClients;
import io.mqttbridge.testing.kafka.TestKafka;
import com.yammer.metrics.core.Histogram;
import com.yammer.metrics.core.Metric;
import com.yammer.metrics.core.MetricName;
import com.yammer.metrics.core.Timer;
import com.yammer.metrics.stats.UniformSample;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.server.metrics.KafkaYammerMetrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaTest {

    @TempDir
    Path dataDirectory;

    @Test
    void recordProducedToTheSharedKafkaIsConsumedBack() throws Exception {
        String bootstrap = TestKafka.bootstrapServers();
        String topic = KafkaTestClients.uniqueTopic("roundtrip");
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(bootstrap)) {
            producer.send(new ProducerRecord<>(topic, "k".getBytes(UTF_8), "hello".getBytes(UTF_8))).get();
        }

        List<ConsumerRecord<byte[], byte[]>> records =
                KafkaTestClients.readAll(bootstrap, topic, 1, Duration.ofSeconds(30));

        assertThat(records).hasSize(1);
        assertThat(new String(records.get(0).key(), UTF_8)).isEqualTo("k");
        assertThat(new String(records.get(0).value(), UTF_8)).isEqualTo("hello");
    }

    @Test
    void restartOnTheSameDataDirectoryKeepsClusterIdAndRecords() throws Exception {
        KafkaExitGuard.install();
        EmbeddedKafkaConfig config = new EmbeddedKafkaConfig().setDataDirectory(dataDirectory.toString());
        String topic = KafkaTestClients.uniqueTopic("restart");
        String firstClusterId;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(config);
                KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(kafka.bootstrapServers())) {
            firstClusterId = kafka.clusterId();
            producer.send(new ProducerRecord<>(topic, "kept".getBytes(UTF_8))).get();
        }

        try (EmbeddedKafka restarted = EmbeddedKafka.start(config)) {
            assertThat(restarted.clusterId()).isEqualTo(firstClusterId);
            List<ConsumerRecord<byte[], byte[]>> records =
                    KafkaTestClients.readAll(restarted.bootstrapServers(), topic, 1, Duration.ofSeconds(30));
            assertThat(records).extracting(r -> new String(r.value(), UTF_8)).containsExactly("kept");
        }
    }

    @Test
    void everyHistogramOfTheRunningBrokerSamplesUniformly() throws Exception {
        String bootstrap = TestKafka.bootstrapServers();
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(bootstrap)) {
            producer.send(new ProducerRecord<>(KafkaTestClients.uniqueTopic("histograms"), "x".getBytes(UTF_8))).get();
        }
        Field sample = Histogram.class.getDeclaredField("sample");
        sample.setAccessible(true);
        Field timerHistogram = Timer.class.getDeclaredField("histogram");
        timerHistogram.setAccessible(true);

        Map<String, Object> reservoirs = new HashMap<>();
        for (Map.Entry<MetricName, Metric> metric : KafkaYammerMetrics.defaultRegistry().allMetrics().entrySet()) {
            Object histogram = metric.getValue() instanceof Timer timer ? timerHistogram.get(timer) : metric.getValue();
            if (histogram instanceof Histogram h) {
                reservoirs.put(metric.getKey().getMBeanName(), sample.get(h));
            }
        }

        // The request metrics of the produce just served are among them.
        assertThat(reservoirs).containsKey("kafka.network:type=RequestMetrics,name=TotalTimeMs,request=Produce");
        assertThat(reservoirs.values()).allSatisfy(r -> assertThat(r).isInstanceOf(UniformSample.class));
    }

    @Test
    void closeLeavesNoNonDaemonThreadBehind() {
        KafkaExitGuard.install();
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        EmbeddedKafka kafka = EmbeddedKafka.start(new EmbeddedKafkaConfig().setDataDirectory(dataDirectory.toString()));
        assertThat(newThreads(before)).isNotEmpty();

        kafka.close();

        await().pollInSameThread().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(newThreads(before)).isEmpty());
    }

    @Test
    void portTakenByAnotherProcessFailsTheStartAndLeavesNoThreads() throws Exception {
        KafkaExitGuard.install();
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            EmbeddedKafkaConfig config = new EmbeddedKafkaConfig().setDataDirectory(dataDirectory.toString())
                    .setPort(taken.getLocalPort()).setStartupAttempts(2);

            assertThatThrownBy(() -> EmbeddedKafka.start(config))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("failed to start")
                    .hasStackTraceContaining(String.valueOf(taken.getLocalPort()));
        }
        await().pollInSameThread().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(newThreads(before)).isEmpty());
    }

    @Test
    void exitGuardTurnsKafkasHaltIntoAnException() {
        KafkaExitGuard.install();

        assertThatThrownBy(() -> org.apache.kafka.common.utils.internals.Exit.halt(1, "fatal test"))
                .isInstanceOf(IllegalStateException.class);
        assertThat(KafkaExitGuard.lastAttempt()).contains("halt").contains("fatal test");
    }

    @Test
    void invalidConfigurationNamesTheKey() {
        assertThatThrownBy(() -> EmbeddedKafka.start(new EmbeddedKafkaConfig().setPort(70_000)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("embedded.port");
    }

    /**
     * Non-daemon threads only: they are what would keep a stopped application's JVM alive, and the
     * shared test Kafka may start daemon scheduler threads lazily at any moment.
     */
    private static Set<String> newThreads(Set<Thread> before) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !before.contains(t) && t.isAlive() && !t.isDaemon())
                .map(Thread::getName)
                .collect(Collectors.toSet());
    }
}
