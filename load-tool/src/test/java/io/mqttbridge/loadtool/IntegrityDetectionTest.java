package io.mqttbridge.loadtool;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The tool must notice a broker that loses or duplicates messages, over real sockets. */
class IntegrityDetectionTest {

    private static final int MESSAGES_PER_PUBLISHER = 200;

    @Test
    void brokerThatDropsAndDuplicatesIsReportedWithExactCounts() throws Exception {
        try (LossyBroker broker = new LossyBroker(seq -> seq % 10 == 3, seq -> seq % 7 == 0)) {
            LoadOptions options = new LoadOptions().set("port", broker.port()).set("scenario", "fan-in")
                    .set("qos", 1).set("publishers", 2).set("max-messages", MESSAGES_PER_PUBLISHER)
                    .set("duration", "5s").set("warmup", "0s").set("drain-timeout", "3s").set("source-addresses", 1);
            options.validate(LoadTool.maxFileDescriptors());

            ScenarioResult result = LoadTool.run(options);

            long droppedPerPublisher = LongStream.range(0, MESSAGES_PER_PUBLISHER).filter(s -> s % 10 == 3).count();
            long duplicatedPerPublisher = LongStream.range(0, MESSAGES_PER_PUBLISHER)
                    .filter(s -> s % 10 != 3 && s % 7 == 0).count();
            assertThat(result.sent).isEqualTo(2L * MESSAGES_PER_PUBLISHER);
            assertThat(result.lost).isEqualTo(2 * droppedPerPublisher);
            assertThat(result.duplicates).isEqualTo(2 * duplicatedPerPublisher);
            assertThat(result.ok).isFalse();
            assertThat(result.problems).anySatisfy(p -> assertThat(p).startsWith(2 * droppedPerPublisher + " messages lost at QoS 1")
                    .contains("the first is 3"));
            assertThat(result.problems).anySatisfy(p -> assertThat(p).isEqualTo(2 * duplicatedPerPublisher + " duplicate deliveries"));
        }
    }

    @Test
    void faithfulBrokerPassesTheSameRun() throws Exception {
        try (LossyBroker broker = new LossyBroker(seq -> false, seq -> false)) {
            LoadOptions options = new LoadOptions().set("port", broker.port()).set("scenario", "fan-in")
                    .set("qos", 1).set("publishers", 2).set("max-messages", MESSAGES_PER_PUBLISHER)
                    .set("duration", "5s").set("warmup", "0s").set("source-addresses", 1);
            options.validate(LoadTool.maxFileDescriptors());

            ScenarioResult result = LoadTool.run(options);

            assertThat(result.problems).isEmpty();
            assertThat(result.received).isEqualTo(2L * MESSAGES_PER_PUBLISHER);
        }
    }

    @Test
    void reconnectStormAgainstABrokerThatKeepsNoSessionsReportsEveryMessageLost() throws Exception {
        // LossyBroker answers every CONNECT with "no session" and forwards only to connected subscribers.
        try (LossyBroker broker = new LossyBroker(seq -> false, seq -> false)) {
            LoadOptions options = new LoadOptions().set("port", broker.port()).set("scenario", "reconnect-storm")
                    .set("qos", 1).set("connections", 50).set("messages-per-client", 2).set("inflight", 50)
                    .set("drain-timeout", "1s").set("source-addresses", 1);
            options.validate(LoadTool.maxFileDescriptors());

            ScenarioResult result = LoadTool.run(options);

            assertThat(result.connected).isEqualTo(50);
            assertThat(result.sessionsNotPresent).isEqualTo(50);
            assertThat(result.acknowledged).isEqualTo(100);
            assertThat(result.lost).isEqualTo(100);
            assertThat(result.received).isZero();
            assertThat(result.ok).isFalse();
            assertThat(result.problems).contains("50 clients found no session when they came back",
                    "100 of 100 messages published while the clients were away never arrived");
        }
    }
}
