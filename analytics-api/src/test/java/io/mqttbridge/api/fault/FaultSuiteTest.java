package io.mqttbridge.api.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttbridge.api.BridgeApplication;
import io.mqttbridge.api.fault.FaultLoad.Publisher;
import io.mqttbridge.api.fault.FaultLoad.Subscriber;
import io.mqttbridge.testing.net.FreePorts;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The fault suite (docs/RELIABILITY.md): Kafka, PostgreSQL and the bridge each in a JVM of their own;
 * MQTT 3.1.1 and 5.0 publishers at QoS 1 and 2 and two persistent subscribers keep working while the
 * suite kills and restarts, in turn, Kafka for less and for more than the producer's delivery timeout,
 * PostgreSQL, and the bridge (SIGKILL each). Then it checks, for every message a publisher got a
 * successful acknowledgement for: it is in Kafka (QoS 2: exactly once), in PostgreSQL's history as
 * often as in Kafka, and was delivered to every persistent subscriber (QoS 2 to the QoS 2 subscriber:
 * exactly once); and that every publisher and subscriber made progress after the last fault.
 *
 * <p>No message acknowledged while PostgreSQL is down may be in Kafka twice (the session store waits
 * for PostgreSQL instead of failing the acknowledgement). No QoS 2 message may be in Kafka twice or
 * reach the QoS 2 subscriber twice; {@code -Dfault.requireQos2ExactlyOnce=false} only reports them
 * (to look at the rest of a run on a change that breaks it).
 *
 * <p>Short profile (default, part of the normal test suite); long profile:
 * {@code -Dfault.profile=long}. Results: {@code analytics-api/target/fault-suite/results.md}.
 */
class FaultSuiteTest {

    private static final String KAFKA_TOPIC = "fault.messages";
    /*
     * Long enough that a short outage, which includes Kafka's own restart (several seconds on a busy
     * machine), stays below it.
     */
    private static final int DELIVERY_TIMEOUT_MS = 12_000;
    /** QoS 2 duplicates fail the run unless {@code -Dfault.requireQos2ExactlyOnce=false} (see the class doc). */
    private static final boolean REQUIRE_QOS2_EXACTLY_ONCE =
            !"false".equalsIgnoreCase(System.getProperty("fault.requireQos2ExactlyOnce"));
    private static final String POSTGRES_FAULT = "kill PostgreSQL";

    /** Durations of one run of the suite. */
    private record Profile(String name, Duration steady, Duration kafkaShort, Duration kafkaLong,
                           Duration postgres, int bridgeKills, long publishPauseMillis) {
    }

    private static final Profile SHORT = new Profile("short", Duration.ofSeconds(2), Duration.ofSeconds(2),
            Duration.ofMillis(DELIVERY_TIMEOUT_MS + 3_000), Duration.ofSeconds(3), 1, 20);
    private static final Profile LONG = new Profile("long", Duration.ofSeconds(20), Duration.ofSeconds(2),
            Duration.ofSeconds(45), Duration.ofSeconds(30), 3, 5);

    private final Profile profile = "long".equals(System.getProperty("fault.profile")) ? LONG : SHORT;
    private final List<NodeProcess> nodes = new ArrayList<>();
    private final List<Publisher> publishers = new ArrayList<>();
    private final List<Subscriber> subscribers = new ArrayList<>();
    private final List<String> timeline = new ArrayList<>();
    private final List<Map<String, Integer>> phaseMarks = new ArrayList<>();
    private final List<String> phaseNames = new ArrayList<>();
    private Path dir;
    private int kafkaPort;
    private int postgresPort;
    private int mqttPort;
    private NodeProcess kafka;
    private NodeProcess postgres;
    private NodeProcess bridge;

    @AfterEach
    void stopEverything() throws Exception {
        // The processes first: nothing a client library throws on close may leave them running.
        try {
            if (postgres != null) {
                killPostgres();
            }
        } finally {
            for (NodeProcess node : nodes) {
                if (node.isAlive()) {
                    node.killAll();
                }
            }
        }
        for (Publisher publisher : publishers) {
            publisher.close();
        }
        for (Subscriber subscriber : subscribers) {
            subscriber.close();
        }
    }

    @Test
    void everyAcknowledgedMessageSurvivesKafkaPostgresAndBridgeFailuresAndEveryClientResumes() throws Exception {
        dir = Files.createDirectories(Path.of("target", "fault-suite", "run-" + System.currentTimeMillis()))
                .toAbsolutePath();
        kafkaPort = FreePorts.pick();
        postgresPort = FreePorts.pick();
        mqttPort = FreePorts.pick();
        startKafka();
        startPostgres();
        startBridge();
        String uri = "tcp://127.0.0.1:" + mqttPort;

        subscribers.add(new FaultLoad.Paho3Subscriber("sub-v3-qos2", 2, uri));
        subscribers.add(new FaultLoad.Hive5Subscriber("sub-v5-qos1", 1, mqttPort));
        for (Subscriber subscriber : subscribers) {
            subscriber.start();
        }
        long pause = profile.publishPauseMillis();
        publishers.add(new FaultLoad.Paho3Publisher("pub-v3-qos1-a", 1, uri, pause));
        publishers.add(new FaultLoad.Paho3Publisher("pub-v3-qos1-b", 1, uri, pause));
        publishers.add(new FaultLoad.Paho3Publisher("pub-v3-qos2", 2, uri, pause));
        publishers.add(new FaultLoad.Hive5Publisher("pub-v5-qos1-a", 1, mqttPort, pause));
        publishers.add(new FaultLoad.Hive5Publisher("pub-v5-qos1-b", 1, mqttPort, pause));
        publishers.add(new FaultLoad.Hive5Publisher("pub-v5-qos2", 2, mqttPort, pause));
        for (Publisher publisher : publishers) {
            publisher.start();
        }

        steady();
        note("kill Kafka for " + profile.kafkaShort().toMillis() + " ms (shorter than the delivery timeout)");
        long killed = System.nanoTime();
        kafka.kill();
        Thread.sleep(profile.kafkaShort().toMillis());
        startKafka();
        note("Kafka back after " + Duration.ofNanos(System.nanoTime() - killed).toMillis() + " ms");
        steady();
        note("kill Kafka for " + profile.kafkaLong().toMillis() + " ms (longer than the delivery timeout of "
                + DELIVERY_TIMEOUT_MS + " ms)");
        killed = System.nanoTime();
        kafka.kill();
        Thread.sleep(profile.kafkaLong().toMillis());
        startKafka();
        note("Kafka back after " + Duration.ofNanos(System.nanoTime() - killed).toMillis() + " ms");
        steady();
        note(POSTGRES_FAULT + " for " + profile.postgres().toMillis() + " ms");
        killPostgres();
        Thread.sleep(profile.postgres().toMillis());
        startPostgres();
        steady();
        for (int i = 0; i < profile.bridgeKills(); i++) {
            note("kill the bridge (SIGKILL) and start it again");
            bridge.kill();
            startBridge();
            steady();
        }
        Map<String, Integer> ackedBeforeEnd = new HashMap<>();
        publishers.forEach(p -> ackedBeforeEnd.put(p.id, p.acked.size()));
        steady();
        note("stop publishing");
        for (Publisher publisher : publishers) {
            publisher.stop(Duration.ofSeconds(30));
        }

        Map<String, Integer> inKafka = readKafka();
        int expectedInKafka = inKafka.values().stream().mapToInt(Integer::intValue).sum();
        Map<String, Integer> inHistory = new HashMap<>();
        await("the history writer to catch up with Kafka").atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofSeconds(1)).until(() -> {
                    inHistory.clear();
                    inHistory.putAll(readHistory());
                    return inHistory.values().stream().mapToInt(Integer::intValue).sum() >= expectedInKafka;
                });
        try {
            await("the subscribers to receive every acknowledged message").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() -> subscribers.stream().allMatch(s -> missing(s).isEmpty()));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // Which ones, and the run's figures, for the diagnosis: the table below counts them as missing.
            subscribers.forEach(s -> System.out.println(s.id + " never got: " + missing(s)));
        }

        Report report = report(inKafka, inHistory);
        Files.writeString(dir.resolveSibling("results.md"), report.markdown(), StandardCharsets.UTF_8);
        System.out.println(report.markdown());

        assertThat(report.ackedTotal).as("messages acknowledged").isPositive();
        assertThat(report.missingInKafka).as("acknowledged messages missing in Kafka").isZero();
        assertThat(report.historyDifferentFromKafka).as("messages whose count in history differs from Kafka")
                .isZero();
        assertThat(report.missingAtSubscribers).as("acknowledged messages a persistent subscriber never got")
                .isZero();
        assertThat(report.duplicatesAcknowledgedAfterPostgresFault)
                .as("messages acknowledged after the PostgreSQL fault that are in Kafka more than once").isZero();
        if (REQUIRE_QOS2_EXACTLY_ONCE) {
            assertThat(report.qos2DuplicatesInKafka).as("QoS 2 messages in Kafka more than once").isZero();
            assertThat(report.qos2DuplicatesAtQos2Subscriber)
                    .as("QoS 2 messages delivered twice to the QoS 2 subscriber").isZero();
        }
        for (Publisher publisher : publishers) {
            assertThat(publisher.acked.size()).as(publisher.id + " resumed after the last fault")
                    .isGreaterThan(ackedBeforeEnd.get(publisher.id));
        }
        assertThat(subscribers).allMatch(Subscriber::isConnected);
    }

    /**
     * Load without a fault for the profile's steady time, and then until every publisher was acknowledged
     * again: on a loaded machine the last fault's recovery can outlast the steady time (Kafka took 42 s to
     * come back in one CI run), and a message resent for that fault, acknowledged only after the next one
     * began, was counted in the next fault's phase.
     */
    private void steady() throws InterruptedException {
        Map<String, Integer> before = new HashMap<>();
        publishers.forEach(p -> before.put(p.id, p.acked.size()));
        Thread.sleep(profile.steady().toMillis());
        await("every publisher acknowledged again after the last fault").atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> publishers.stream().allMatch(p -> p.acked.size() > before.get(p.id)));
    }

    private void note(String event) {
        int acked = publishers.stream().mapToInt(p -> p.acked.size()).sum();
        timeline.add(Instant.now() + " " + event + " (acknowledged so far: " + acked + ")");
        Map<String, Integer> mark = new HashMap<>();
        publishers.forEach(p -> mark.put(p.id, p.acked.size()));
        phaseMarks.add(mark);
        phaseNames.add(event);
    }

    /* Sequence numbers are acknowledged in order, so the phase of a message is the last mark at or below it. */
    private String phaseOf(String publisher, long seq) {
        String phase = "before the first fault";
        for (int i = 0; i < phaseMarks.size(); i++) {
            if (phaseMarks.get(i).get(publisher) <= seq) {
                phase = "after '" + phaseNames.get(i) + "'";
            }
        }
        return phase;
    }

    private void startKafka() throws IOException {
        kafka = NodeProcess.start("kafka", dir.resolve("kafka.log"), "KAFKA READY", Duration.ofSeconds(90),
                List.of("-Xmx384m"), KafkaNodeMain.class.getName(), Integer.toString(kafkaPort),
                dir.resolve("kafka-data").toString());
        nodes.add(kafka);
    }

    private void startPostgres() throws IOException {
        postgres = NodeProcess.start("postgres", dir.resolve("postgres.log"), "POSTGRES READY", Duration.ofSeconds(90),
                List.of("-Xmx64m"), PostgresNodeMain.class.getName(), Integer.toString(postgresPort),
                dir.resolve("postgres-data").toString());
        nodes.add(postgres);
    }

    /** "POSTGRES READY pid password", split. */
    private String[] postgresReady() {
        String line = postgres.readyLine();
        return line.substring(line.indexOf("POSTGRES READY")).trim().split(" ");
    }

    private String postgresPassword() {
        return postgresReady()[3];
    }

    /** SIGKILL of the postgres server and its backends, and of the JVM that owned it (with its watchdog). */
    private void killPostgres() throws InterruptedException {
        long pid = Long.parseLong(postgresReady()[2]);
        // Only our postgres: a pid may have been recycled since.
        ProcessHandle.of(pid).filter(p -> p.info().command().map(c -> c.endsWith("/postgres")).orElse(false))
                .ifPresent(postmaster -> {
            List<ProcessHandle> backends = postmaster.descendants().toList();
            postmaster.destroyForcibly();
            backends.forEach(ProcessHandle::destroyForcibly);
            postmaster.onExit().join();
        });
        postgres.killAll();
    }

    private void startBridge() throws Exception {
        Path config = dir.resolve("bridge.yml");
        Files.writeString(config, bridgeConfig(), StandardCharsets.UTF_8);
        bridge = NodeProcess.start("bridge", dir.resolve("bridge.log"), "MQTT broker listening on",
                Duration.ofSeconds(120), List.of("-Xmx512m"), BridgeApplication.class.getName(), "server",
                config.toString());
        nodes.add(bridge);
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", mqttPort), 1_000);
                return true;
            }
        });
    }

    private String bridgeConfig() {
        return """
                nodeId: fault-node
                dataDirectory: %s
                broker:
                  host: 127.0.0.1
                  port: %d
                mqttAuth:
                  useDeviceRegistry: false
                  file:
                    allowAnonymous: true
                    anonymousAcl:
                      - action: all
                        topic: "#"
                kafka:
                  bootstrapServers: 127.0.0.1:%d
                  mirrorRules:
                    - mqttTopicFilter: "fault/#"
                      kafkaTopic: %s
                  producer:
                    deliveryTimeoutMs: %d
                    requestTimeoutMs: 3000
                database:
                  jdbcUrl: jdbc:postgresql://127.0.0.1:%d/postgres
                  user: postgres
                  password: "%s"
                server:
                  applicationConnectors:
                    - type: http
                      bindHost: 127.0.0.1
                      port: 0
                  adminConnectors:
                    - type: http
                      bindHost: 127.0.0.1
                      port: 0
                logging:
                  level: INFO
                  loggers:
                    org.apache.kafka: WARN
                    kafka: WARN
                    org.eclipse.jetty: WARN
                    org.flywaydb: WARN
                    com.zaxxer.hikari: WARN
                """.formatted(dir.resolve("bridge-data"), mqttPort, kafkaPort, KAFKA_TOPIC, DELIVERY_TIMEOUT_MS,
                postgresPort, postgresPassword());
    }

    private Map<String, Integer> readKafka() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + kafkaPort);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Map<String, Integer> counts = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            List<TopicPartition> partitions = consumer.partitionsFor(KAFKA_TOPIC, Duration.ofSeconds(30)).stream()
                    .map(info -> new TopicPartition(KAFKA_TOPIC, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    counts.merge(new String(record.value(), StandardCharsets.UTF_8), 1, Integer::sum);
                }
            }
        }
        return counts;
    }

    private Map<String, Integer> readHistory() throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + postgresPort + "/postgres",
                "postgres", postgresPassword());
             ResultSet rs = c.createStatement().executeQuery(
                     "SELECT payload FROM messages WHERE kafka_topic = '" + KAFKA_TOPIC + "'")) {
            while (rs.next()) {
                counts.merge(new String(rs.getBytes(1), StandardCharsets.UTF_8), 1, Integer::sum);
            }
        }
        return counts;
    }

    private List<String> missing(Subscriber subscriber) {
        List<String> missing = new ArrayList<>();
        for (Publisher publisher : publishers) {
            for (long seq : publisher.acked) {
                String payload = publisher.id + ":" + seq;
                if (!subscriber.received.containsKey(payload)) {
                    missing.add(payload);
                }
            }
        }
        return missing;
    }

    private Report report(Map<String, Integer> inKafka, Map<String, Integer> inHistory) {
        Report report = new Report();
        StringBuilder rows = new StringBuilder();
        StringBuilder duplicatePhases = new StringBuilder();
        for (Publisher publisher : publishers) {
            int acked = publisher.acked.size();
            int missingInKafka = 0;
            int duplicatesInKafka = 0;
            int historyDiffers = 0;
            for (long seq : publisher.acked) {
                String payload = publisher.id + ":" + seq;
                int kafkaCount = inKafka.getOrDefault(payload, 0);
                if (kafkaCount == 0) {
                    missingInKafka++;
                } else if (kafkaCount > 1) {
                    duplicatesInKafka++;
                    if (phaseOf(publisher.id, seq).contains(POSTGRES_FAULT)) {
                        report.duplicatesAcknowledgedAfterPostgresFault++;
                    }
                    duplicatePhases.append("- ").append(payload).append(" (QoS ").append(publisher.qos)
                            .append(") in Kafka ").append(kafkaCount).append(" times, acknowledged ")
                            .append(phaseOf(publisher.id, seq)).append('\n');
                }
                if (inHistory.getOrDefault(payload, 0) != kafkaCount) {
                    historyDiffers++;
                }
            }
            report.ackedTotal += acked;
            report.missingInKafka += missingInKafka;
            report.historyDifferentFromKafka += historyDiffers;
            if (publisher.qos == 2) {
                report.qos2DuplicatesInKafka += duplicatesInKafka;
            }
            StringBuilder perSubscriber = new StringBuilder();
            for (Subscriber subscriber : subscribers) {
                int missing = 0;
                int duplicates = 0;
                for (long seq : publisher.acked) {
                    AtomicInteger count = subscriber.received.get(publisher.id + ":" + seq);
                    if (count == null) {
                        missing++;
                    } else if (count.get() > 1) {
                        duplicates++;
                    }
                }
                report.missingAtSubscribers += missing;
                if (publisher.qos == 2 && subscriber.qos == 2) {
                    report.qos2DuplicatesAtQos2Subscriber += duplicates;
                }
                perSubscriber.append(" | ").append(missing).append(" / ").append(duplicates);
            }
            rows.append("| ").append(publisher.id).append(" | ").append(publisher.version == 5 ? "5.0" : "3.1.1")
                    .append(" | ").append(publisher.qos).append(" | ").append(acked).append(" | ")
                    .append(publisher.failures.get()).append(" | ").append(missingInKafka).append(" | ")
                    .append(duplicatesInKafka).append(" | ").append(historyDiffers).append(perSubscriber)
                    .append(" |\n");
        }
        StringBuilder md = new StringBuilder();
        md.append("Fault suite, profile ").append(profile.name()).append(", ").append(Instant.now()).append("\n\n");
        md.append("| publisher | MQTT | QoS | acked | failed attempts | missing in Kafka | duplicated in Kafka |"
                + " history != Kafka");
        for (Subscriber subscriber : subscribers) {
            md.append(" | ").append(subscriber.id).append(" missing / duplicated");
        }
        md.append(" |\n|---|---|---|---|---|---|---|---");
        subscribers.forEach(s -> md.append("|---"));
        md.append("|\n").append(rows).append("\nTimeline:\n\n");
        timeline.forEach(line -> md.append("- ").append(line).append('\n'));
        if (!duplicatePhases.isEmpty()) {
            md.append("\nDuplicates in Kafka, by the phase in which they were acknowledged:\n\n")
                    .append(duplicatePhases);
        }
        report.markdown = md.toString();
        return report;
    }

    private static final class Report {
        int ackedTotal;
        int missingInKafka;
        int qos2DuplicatesInKafka;
        int historyDifferentFromKafka;
        int missingAtSubscribers;
        int qos2DuplicatesAtQos2Subscriber;
        int duplicatesAcknowledgedAfterPostgresFault;
        String markdown;

        String markdown() {
            return markdown;
        }
    }
}
