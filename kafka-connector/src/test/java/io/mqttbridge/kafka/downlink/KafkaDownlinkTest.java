package io.mqttbridge.kafka.downlink;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.kafka.testing.RecordingMessagePublisher;
import io.mqttbridge.testing.kafka.KafkaTestClients;
import io.mqttbridge.testing.kafka.TestKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class KafkaDownlinkTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private final String bootstrap = TestKafka.bootstrapServers();
    private final String topic = KafkaTestClients.uniqueTopic("downlink");
    private final String group = KafkaTestClients.uniqueTopic("group");
    private final List<KafkaDownlink> downlinks = new ArrayList<>();

    @AfterEach
    void closeDownlinks() {
        downlinks.forEach(KafkaDownlink::close);
    }

    @Test
    void recordsArePublishedWithHeaderTopicOrTemplateAndConfiguredQosAndRetain() throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(bootstrap)) {
            ProducerRecord<byte[], byte[]> withHeader = new ProducerRecord<>(topic, "dev-1".getBytes(UTF_8),
                    "reboot".getBytes(UTF_8));
            withHeader.headers().add(new RecordHeader("mqtt.topic", "custom/dev-1/cmd".getBytes(UTF_8)));
            producer.send(withHeader).get();
            producer.send(new ProducerRecord<>(topic, "dev-2".getBytes(UTF_8), "update".getBytes(UTF_8))).get();
            producer.send(new ProducerRecord<>(topic, null, "no key, no header".getBytes(UTF_8))).get();
        }
        RecordingMessagePublisher broker = RecordingMessagePublisher.completingAtOnce();
        MetricRegistry metrics = new MetricRegistry();

        start(config().setMqttTopicTemplate("devices/{key}/{topic}").setQos(2).setRetain(true), broker, metrics);

        await().atMost(WAIT).until(() -> broker.calls().size() == 2);
        await().atMost(WAIT).until(() -> metrics.meter("kafka.downlink.records.completed").getCount() == 3);
        PublishedMessage first = broker.calls().get(0).message();
        assertThat(first.topic()).isEqualTo("custom/dev-1/cmd");
        assertThat(new String(first.payload(), UTF_8)).isEqualTo("reboot");
        assertThat(first.qos()).isEqualTo(2);
        assertThat(first.retain()).isTrue();
        assertThat(first.clientId()).isNull();
        assertThat(broker.calls().get(1).message().topic()).isEqualTo("devices/dev-2/" + topic);
        assertThat(metrics.meter("kafka.downlink.records.skipped").getCount()).isEqualTo(1);
    }

    @Test
    void topicPatternSubscribesToEveryMatchingTopic() throws Exception {
        String prefix = KafkaTestClients.uniqueTopic("pattern");
        KafkaTestClients.createTopic(bootstrap, prefix + ".a", 1);
        KafkaTestClients.createTopic(bootstrap, prefix + ".b", 1);
        produce(prefix + ".a", "from-a");
        produce(prefix + ".b", "from-b");
        RecordingMessagePublisher broker = RecordingMessagePublisher.completingAtOnce();

        start(new DownlinkConfig().setTopicPattern(java.util.regex.Pattern.quote(prefix) + "\\..*").setGroupId(group)
                .setMqttTopicHeader(null).setMqttTopicTemplate("cmd/{topic}"), broker, new MetricRegistry());

        await().atMost(WAIT).until(() -> broker.calls().size() == 2);
        assertThat(broker.calls()).extracting(c -> c.message().topic())
                .containsExactlyInAnyOrder("cmd/" + prefix + ".a", "cmd/" + prefix + ".b");
    }

    @Test
    void crashBeforeTheBrokerCompletedReplaysTheRecordsOnRestart() throws Exception {
        produce(topic, "1", "2", "3");
        RecordingMessagePublisher stuckBroker = RecordingMessagePublisher.holdingCompletion();
        KafkaDownlink first = start(config(), stuckBroker, new MetricRegistry());
        await().atMost(WAIT).until(() -> stuckBroker.calls().size() == 3);

        first.close();

        RecordingMessagePublisher broker = RecordingMessagePublisher.completingAtOnce();
        start(config(), broker, new MetricRegistry());
        await().atMost(WAIT).until(() -> broker.calls().size() == 3);
        assertThat(broker.payloads()).containsExactly("1", "2", "3");
        assertThat(first.isRunning()).isFalse();
    }

    @Test
    void offsetsAreCommittedOnlyUpToTheFirstUncompletedRecord() throws Exception {
        produce(topic, "1", "2", "3", "4", "5");
        RecordingMessagePublisher heldBroker = RecordingMessagePublisher.holdingCompletion();
        KafkaDownlink first = start(config(), heldBroker, new MetricRegistry());
        await().atMost(WAIT).until(() -> heldBroker.calls().size() == 5);
        // Records 1, 2, 3 and 5 are handed over; 4 is not, so only up to 3 may be committed.
        for (int i : new int[] {0, 1, 2, 4}) {
            heldBroker.calls().get(i).future().complete(1);
        }
        await().atMost(WAIT).until(() -> first.inFlight() == 2);
        first.close();

        RecordingMessagePublisher broker = RecordingMessagePublisher.completingAtOnce();
        KafkaDownlink second = start(config(), broker, new MetricRegistry());
        await().atMost(WAIT).until(() -> broker.calls().size() == 2);
        assertThat(broker.payloads()).containsExactly("4", "5");
        await().atMost(WAIT).until(() -> second.inFlight() == 0);
        second.close();

        produce(topic, "6");
        RecordingMessagePublisher third = RecordingMessagePublisher.completingAtOnce();
        start(config(), third, new MetricRegistry());
        await().atMost(WAIT).until(() -> third.calls().size() == 1);
        assertThat(third.payloads()).containsExactly("6");
    }

    @Test
    void failedHandOverIsRetriedAndNotCommittedBeforeItSucceeds() throws Exception {
        produce(topic, "a", "b");
        AtomicInteger attemptsOfA = new AtomicInteger();
        RecordingMessagePublisher broker = RecordingMessagePublisher.answering(message -> {
            boolean isA = new String(message.payload(), UTF_8).equals("a");
            if (isA && attemptsOfA.incrementAndGet() == 1) {
                return CompletableFuture.failedFuture(new IllegalStateException("broker shutting down"));
            }
            return CompletableFuture.completedFuture(1);
        });

        KafkaDownlink downlink = start(config().setRetryBackoffMs(50), broker, new MetricRegistry());

        await().atMost(WAIT).until(() -> attemptsOfA.get() == 2 && downlink.inFlight() == 0);
        assertThat(broker.payloads()).containsExactly("a", "b", "a");
    }

    @Test
    void consumerPausesAtTheInFlightBoundAndResumesWhenTheBrokerCatchesUp() throws Exception {
        produce(topic, IntStream.range(0, 60).mapToObj(Integer::toString).toArray(String[]::new));
        RecordingMessagePublisher broker = RecordingMessagePublisher.holdingCompletion();

        KafkaDownlink downlink = start(config().setMaxInFlight(10), broker, new MetricRegistry());

        await().atMost(WAIT).until(() -> broker.calls().size() >= 10);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                .until(() -> broker.calls().size() <= 20);
        while (broker.calls().size() < 60) {
            int seen = broker.calls().size();
            broker.calls().forEach(c -> c.future().complete(1));
            await().atMost(WAIT).until(() -> broker.calls().size() > seen);
        }
        broker.calls().forEach(c -> c.future().complete(1));
        await().atMost(WAIT).until(() -> downlink.inFlight() == 0);
        assertThat(broker.payloads()).containsExactlyElementsOf(IntStream.range(0, 60).mapToObj(Integer::toString).toList());
    }

    @Test
    void recordsThatMatchNoSessionOrNameNoMqttTopicGoToTheDeadLetterTopicWithTheReasonBeforeTheirOffsetIsCommitted()
            throws Exception {
        String deadLetterTopic = KafkaTestClients.uniqueTopic("dead-letters");
        produce(topic, "nobody", "someone");
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(bootstrap)) {
            producer.send(new ProducerRecord<>(topic, "no header".getBytes(UTF_8))).get();
        }
        RecordingMessagePublisher broker = RecordingMessagePublisher.answering(message ->
                CompletableFuture.completedFuture(message.topic().equals("cmd/nobody") ? 0 : 1));
        MetricRegistry metrics = new MetricRegistry();
        KafkaDownlink first = start(config().setDeadLetterTopic(deadLetterTopic), broker, metrics);

        List<ConsumerRecord<byte[], byte[]>> letters = KafkaTestClients.readAll(bootstrap, deadLetterTopic, 2, WAIT);
        assertThat(letters).extracting(r -> new String(r.value(), UTF_8)).containsExactly("nobody", "no header");
        assertThat(letters).extracting(r -> header(r, DeadLetters.REASON_HEADER))
                .containsExactly(DeadLetters.REASON_NO_MATCHING_SESSION, DeadLetters.REASON_NO_MQTT_TOPIC);
        assertThat(header(letters.get(0), DeadLetters.MQTT_TOPIC_HEADER)).isEqualTo("cmd/nobody");
        assertThat(header(letters.get(0), DeadLetters.SOURCE_TOPIC_HEADER)).isEqualTo(topic);
        assertThat(header(letters.get(0), DeadLetters.SOURCE_OFFSET_HEADER)).isEqualTo("0");
        assertThat(header(letters.get(0), "mqtt.topic")).as("original headers kept").isEqualTo("cmd/nobody");
        await().atMost(WAIT).until(() -> first.inFlight() == 0
                && metrics.meter("kafka.downlink.records.dead-lettered").getCount() == 2);
        first.close();

        produce(topic, "later");
        RecordingMessagePublisher next = RecordingMessagePublisher.completingAtOnce();
        start(config().setDeadLetterTopic(deadLetterTopic), next, new MetricRegistry());
        await().atMost(WAIT).until(() -> next.calls().size() == 1);
        assertThat(next.payloads()).as("everything before was committed").containsExactly("later");
    }

    @Test
    void recordsTheBrokerRefusesForGoodOrWhoseTopicIsNotUtf8GoToTheDeadLetterTopicAndTheDownlinkGoesOn()
            throws Exception {
        String deadLetterTopic = KafkaTestClients.uniqueTopic("dead-letters");
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(bootstrap)) {
            for (byte[] mqttTopic : List.of("$SYS/broker/uptime".getBytes(UTF_8),
                    new byte[] {'c', 'm', 'd', '/', (byte) 0xff}, ("cmd/" + "L".repeat(2_000)).getBytes(UTF_8),
                    "cmd/nobody".getBytes(UTF_8))) {
                ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, "payload".getBytes(UTF_8));
                record.headers().add(new RecordHeader("mqtt.topic", mqttTopic));
                producer.send(record).get();
            }
        }
        io.mqttbridge.broker.config.BrokerConfig brokerConfig = new io.mqttbridge.broker.config.BrokerConfig();
        brokerConfig.setHost("127.0.0.1");
        brokerConfig.setPort(0);
        io.mqttbridge.broker.MqttBroker broker = new io.mqttbridge.broker.MqttBroker(brokerConfig);
        broker.start();
        try {
            MetricRegistry metrics = new MetricRegistry();
            KafkaDownlink downlink = KafkaDownlink.create(bootstrap, config().setDeadLetterTopic(deadLetterTopic),
                    broker, metrics);
            downlinks.add(downlink);
            downlink.start();

            List<ConsumerRecord<byte[], byte[]>> letters = KafkaTestClients.readAll(bootstrap, deadLetterTopic, 4, WAIT);
            assertThat(letters).extracting(r -> header(r, DeadLetters.REASON_HEADER)).containsExactly(
                    DeadLetters.REASON_REFUSED_BY_BROKER, DeadLetters.REASON_NO_MQTT_TOPIC,
                    DeadLetters.REASON_REFUSED_BY_BROKER, DeadLetters.REASON_NO_MATCHING_SESSION);
            await().atMost(WAIT).until(() -> downlink.inFlight() == 0);
        } finally {
            broker.stop();
        }
    }

    @Test
    void deadLetterTopicMustBeAKafkaTopicName() {
        assertThatThrownBy(() -> new DownlinkConfig().setTopics(List.of("t")).setDeadLetterTopic("a b").validate("downlink"))
                .hasMessageContaining("downlink.deadLetterTopic");
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        return record.headers().lastHeader(name) == null ? null
                : new String(record.headers().lastHeader(name).value(), UTF_8);
    }

    @Test
    void invalidConfigurationNamesTheKey() {
        assertThatThrownBy(() -> new DownlinkConfig().setTopics(List.of("t")).setQos(3).validate("downlink"))
                .hasMessageContaining("downlink.qos");
        assertThatThrownBy(() -> new DownlinkConfig().setTopics(List.of("t")).setTopicPattern("x.*").validate("downlink"))
                .hasMessageContaining("downlink.topics and downlink.topicPattern");
        assertThatThrownBy(() -> new DownlinkConfig().setTopics(List.of("t")).setMqttTopicTemplate("a/#").validate("downlink"))
                .hasMessageContaining("downlink.mqttTopicTemplate");
        assertThatThrownBy(() -> new DownlinkConfig().setTopics(List.of("t")).setMqttTopicTemplate("$SYS/{key}")
                .validate("downlink")).hasMessageContaining("downlink.mqttTopicTemplate").hasMessageContaining("$SYS");
    }

    private DownlinkConfig config() {
        return new DownlinkConfig().setTopics(List.of(topic)).setGroupId(group);
    }

    private KafkaDownlink start(DownlinkConfig config, RecordingMessagePublisher broker, MetricRegistry metrics) {
        KafkaDownlink downlink = KafkaDownlink.create(bootstrap, config, broker, metrics);
        downlinks.add(downlink);
        downlink.start();
        return downlink;
    }

    private void produce(String kafkaTopic, String... payloads) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(bootstrap)) {
            for (String payload : payloads) {
                ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(kafkaTopic, payload.getBytes(UTF_8));
                record.headers().add(new RecordHeader("mqtt.topic", ("cmd/" + payload).getBytes(UTF_8)));
                producer.send(record).get();
            }
        }
    }
}
