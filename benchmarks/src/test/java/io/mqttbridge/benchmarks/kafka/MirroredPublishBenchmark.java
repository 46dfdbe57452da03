package io.mqttbridge.benchmarks.kafka;

import io.mqttbridge.broker.MqttBroker;
import io.mqttbridge.broker.spi.SessionListener;
import io.mqttbridge.kafka.embedded.EmbeddedKafka;
import io.mqttbridge.kafka.embedded.EmbeddedKafkaConfig;
import io.mqttbridge.kafka.embedded.KafkaExitGuard;
import io.mqttbridge.kafka.mirror.MirrorRule;
import io.mqttbridge.kafka.mirror.ProducerSettings;
import io.mqttbridge.kafka.testing.MirroredBroker;
import io.mqttbridge.testing.kafka.KafkaTestClients;
import io.mqttbridge.testing.kafka.TestKafka;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * Not a test: QoS 1 messages per second from PUBLISH to the Kafka-acknowledged PUBACK through the
 * real {@link MqttBroker} and {@code KafkaPublishSink}, next to Kafka's own producer against the
 * same embedded Kafka in the same run, and next to the same broker without a sink (PUBACK at once:
 * the ceiling of the MQTT side and of the load generator on this machine). MQTT 3.1.1 publishers
 * ({@link NettyQos1Publishers}) each keep a bounded window of unacknowledged PUBLISHes; 100-byte
 * random payloads; one partition, as in {@link KafkaProducerBaseline}.
 *
 * <p>Arguments: messages per measured run (default 500,000), publishers (default 20), window per
 * publisher (default 50). A warm-up precedes two measured rounds; see docs/BENCHMARKS.md.
 */
public final class MirroredPublishBenchmark {

    private MirroredPublishBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 500_000;
        int publishers = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int window = args.length > 2 ? Integer.parseInt(args[2]) : 50;
        KafkaExitGuard.install();
        Path data = TestKafka.newTemporaryDirectory("bench-kafka-");
        byte[] payload = new byte[100];
        new Random(7).nextBytes(payload);
        System.out.printf("%d publishers, window %d, %,d messages per run%n", publishers, window, count);
        try (EmbeddedKafka kafka = EmbeddedKafka.start(new EmbeddedKafkaConfig().setDataDirectory(data.toString()))) {
            String bootstrap = kafka.bootstrapServers();
            String mirrorTopic = KafkaTestClients.uniqueTopic("bench-mirrored");
            KafkaTestClients.createTopic(bootstrap, mirrorTopic, 1);
            MqttBroker plainBroker = MirroredBroker.startWithoutMirror(SessionListener.NONE);
            try (MirroredBroker bridge = MirroredBroker.start(bootstrap, List.of(new MirrorRule("bench/#", mirrorTopic)),
                    new ProducerSettings());
                    NettyQos1Publishers mirrored = new NettyQos1Publishers(bridge.port(), publishers, "mirrored-");
                    NettyQos1Publishers plain = new NettyQos1Publishers(plainBroker.port(), publishers, "plain-")) {
                mirrored.run(count / 5, window, payload);
                plain.run(count / 5, window, payload);
                for (int round = 1; round <= 2; round++) {
                    String rawTopic = KafkaTestClients.uniqueTopic("bench-raw");
                    KafkaTestClients.createTopic(bootstrap, rawTopic, 1);
                    report("raw Kafka producer", round, count,
                            KafkaProducerBaseline.rawProducer(bootstrap, rawTopic, payload, count));
                    report("MQTT QoS 1 mirrored", round, count, mirrored.run(count, window, payload));
                    report("MQTT QoS 1 no sink", round, count, plain.run(count, window, payload));
                }
            } finally {
                plainBroker.stop();
            }
        } finally {
            TestKafka.deleteRecursively(data);
        }
    }

    private static void report(String what, int round, int count, long nanos) {
        double seconds = nanos / 1e9;
        System.out.printf("%-20s round %d: %,d messages in %.2f s = %,.0f messages/s (load average: %s)%n", what,
                round, count, seconds, count / seconds, loadAverage());
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
