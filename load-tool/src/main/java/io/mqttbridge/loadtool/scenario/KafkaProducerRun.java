package io.mqttbridge.loadtool.scenario;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.mqttbridge.loadtool.LoadOptions;
import io.mqttbridge.loadtool.ScenarioResult;
import io.mqttbridge.loadtool.measure.ProcessStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The raw Kafka producer baseline: one thread sends records shaped like the bridge's mirror records
 * (client-id key, {@code --payload-size} random bytes, the {@code mqtt.*} headers of an MQTT 3.1.1
 * QoS 1 message) with the mirror's default producer settings ({@code acks=all}, idempotent,
 * {@code linger.ms=5}, {@code batch.size=131072}, lz4; {@code --producer-property} overrides) for
 * {@code --duration}, then waits for every acknowledgement. The rate counts acknowledgements in the
 * measured window (after {@code --warmup}).
 */
public final class KafkaProducerRun {

    private final LoadOptions options;

    public KafkaProducerRun(LoadOptions options) {
        this.options = options;
    }

    public ScenarioResult run() throws InterruptedException {
        String bootstrap = options.brokerAddress().getHostString() + ":" + options.brokerAddress().getPort();
        createTopic(bootstrap);
        ProcessStats broker = options.brokerPid() == null ? null : new ProcessStats(options.brokerPid());
        ProcessStats self = new ProcessStats(ProcessHandle.current().pid());
        List<ProducerRecord<byte[], byte[]>> shapes = recordShapes();
        AtomicLong acked = new AtomicLong();
        AtomicLong ackedInWindow = new AtomicLong();
        AtomicReference<Exception> failure = new AtomicReference<>();
        long sent = 0;
        long start = System.nanoTime();
        long warmupEnd = start + options.warmup().toNanos();
        long end = start + options.duration().toNanos();
        long windowStartCpu = -1;
        long windowStartOwnCpu = 0;
        long windowStartNanos = 0;
        long lastAckNanos;
        long maxMessages = options.maxMessages() * options.publishers();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProperties(bootstrap))) {
            long now = start;
            while (now < end && sent < maxMessages && failure.get() == null) {
                if (windowStartCpu < 0 && now >= warmupEnd) {
                    windowStartNanos = now;
                    windowStartCpu = broker == null ? 0 : broker.cpuNanos();
                    windowStartOwnCpu = self.cpuNanos();
                }
                ProducerRecord<byte[], byte[]> shape = shapes.get((int) (sent % shapes.size()));
                boolean inWindow = windowStartCpu >= 0;
                producer.send(new ProducerRecord<>(shape.topic(), null, System.currentTimeMillis(), shape.key(),
                        shape.value(), shape.headers()), (metadata, e) -> {
                            if (e != null) {
                                failure.compareAndSet(null, e);
                            } else {
                                acked.incrementAndGet();
                                if (inWindow) {
                                    ackedInWindow.incrementAndGet();
                                }
                            }
                        });
                sent++;
                if ((sent & 255) == 0) {
                    now = System.nanoTime();
                }
            }
            producer.flush();
            lastAckNanos = System.nanoTime();
        }
        long ownCpuEnd = self.cpuNanos();
        ScenarioResult result = new ScenarioResult();
        result.scenario = options.scenario().cliName();
        result.publishers = options.publishers();
        result.payloadBytes = options.payloadSize();
        result.sent = sent;
        result.acknowledged = acked.get();
        double window = windowStartCpu < 0 ? 0 : (lastAckNanos - windowStartNanos) / 1e9;
        result.measuredSeconds = window;
        result.publishRate = window == 0 ? 0 : ackedInWindow.get() / window;
        result.throughput = result.publishRate;
        result.subscribers = 0;
        result.targetRate = 0.0;
        result.inflight = 0;
        result.expected = sent;
        result.received = acked.get();
        result.lost = sent - acked.get();
        result.duplicates = 0L;
        result.outOfOrder = 0L;
        if (broker != null && windowStartCpu >= 0) {
            result.brokerPid = broker.pid();
            result.brokerCpuSeconds = (broker.cpuNanos() - windowStartCpu) / 1e9;
            result.brokerCpuPercent = 100 * result.brokerCpuSeconds / window;
        }
        if (windowStartCpu >= 0) {
            result.producerCpuSeconds = (ownCpuEnd - windowStartOwnCpu) / 1e9;
            result.producerCpuMicrosPerRecord = ackedInWindow.get() == 0 ? null
                    : 1e6 * result.producerCpuSeconds / ackedInWindow.get();
        }
        if (failure.get() != null) {
            result.problems.add("Kafka refused a record: " + failure.get());
        }
        if (result.lost != 0) {
            result.problems.add(result.lost + " records not acknowledged");
        }
        result.ok = result.problems.isEmpty();
        return result;
    }

    private Properties producerProperties(String bootstrap) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "load-tool-raw-producer");
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(128 * 1024));
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, String.valueOf(64L * 1024 * 1024));
        props.put("max.in.flight.requests.per.connection", "5");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.putAll(options.producerProperties());
        return props;
    }

    /** One record per publisher, as the mirror builds it for an MQTT 3.1.1 QoS 1 message on its own topic. */
    private List<ProducerRecord<byte[], byte[]>> recordShapes() {
        SplittableRandom random = new SplittableRandom(42);
        List<ProducerRecord<byte[], byte[]>> shapes = new ArrayList<>();
        for (int i = 0; i < options.publishers(); i++) {
            String clientId = "lt-raw-pub-" + i;
            byte[] value = new byte[options.payloadSize()];
            random.nextBytes(value);
            List<Header> headers = List.of(
                    header("mqtt.topic", "lt-raw/t/" + i),
                    header("mqtt.qos", "1"),
                    header("mqtt.retain", "false"),
                    header("mqtt.client_id", clientId),
                    header("mqtt.protocol_version", "4"),
                    header("mqtt.node", "node-1"));
            shapes.add(new ProducerRecord<>(options.kafkaTopic(), null, 0L, clientId.getBytes(UTF_8), value,
                    options.kafkaHeaders() ? headers : List.of()));
        }
        return shapes;
    }

    private static Header header(String key, String value) {
        return new RecordHeader(key, value.getBytes(UTF_8));
    }

    private void createTopic(String bootstrap) throws InterruptedException {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(props)) {
            admin.createTopics(Set.of(new NewTopic(options.kafkaTopic(), options.kafkaPartitions(), (short) 1)))
                    .all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create Kafka topic " + options.kafkaTopic() + ": " + e.getCause(), e);
            }
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka at " + bootstrap + " did not answer within 30 s", e);
        }
    }
}
