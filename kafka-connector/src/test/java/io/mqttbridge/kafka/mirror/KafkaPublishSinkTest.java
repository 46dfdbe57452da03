package io.mqttbridge.kafka.mirror;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.spi.MessageProperties;
import io.mqttbridge.broker.spi.MqttVersion;
import io.mqttbridge.broker.spi.PublishRejectedException;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.UserProperty;
import io.mqttbridge.kafka.testing.Messages;
import io.mqttbridge.testing.kafka.KafkaTestClients;
import io.mqttbridge.testing.kafka.TestKafka;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class KafkaPublishSinkTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private final String bootstrap = TestKafka.bootstrapServers();
    private final MetricRegistry metrics = new MetricRegistry();
    private KafkaPublishSink sink;

    @AfterEach
    void closeSink() {
        if (sink != null) {
            sink.close();
        }
    }

    private KafkaPublishSink sink(MirrorRule... rules) {
        sink = KafkaPublishSink.create(bootstrap, List.of(rules), new ProducerSettings(), "node-7", metrics);
        return sink;
    }

    @Test
    void isStoredFindsTheRecordOfAMessageByItsReceiveTimeClientTopicAndPayloadAmongOthers() throws Exception {
        String topic = KafkaTestClients.uniqueTopic("lookup");
        KafkaTestClients.createTopic(bootstrap, topic, 3);
        sink(new MirrorRule("fault/#", topic));
        Instant receivedAt = Instant.now().minus(1, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.MICROS);
        PublishedMessage message = new PublishedMessage("fault/pub/1", "pub:17".getBytes(UTF_8), 2, false, "pub",
                null, MqttVersion.MQTT_3_1_1, receivedAt, null);
        assertThat(sink.isStored(message).get(30, TimeUnit.SECONDS)).as("before it was sent").isFalse();

        List<CompletableFuture<Void>> sent = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            sent.add(sink.accept(new PublishedMessage("fault/other/" + i, "other".getBytes(UTF_8), 1, false,
                    "other-" + i, null, MqttVersion.MQTT_5, receivedAt.plusMillis(i), null)));
        }
        sink.accept(message).get(30, TimeUnit.SECONDS);
        for (int i = 0; i < 50; i++) {
            sent.add(sink.accept(new PublishedMessage("fault/pub/1", ("pub:" + (18 + i)).getBytes(UTF_8), 2, false,
                    "pub", null, MqttVersion.MQTT_3_1_1, receivedAt.plusMillis(i + 1), null)));
        }
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

        assertThat(sink.isStored(message).get(30, TimeUnit.SECONDS)).isTrue();
        assertThat(sink.isStored(new PublishedMessage("fault/pub/1", "pub:99".getBytes(UTF_8), 2, false, "pub",
                null, MqttVersion.MQTT_3_1_1, receivedAt, null)).get(30, TimeUnit.SECONDS))
                .as("another payload").isFalse();
        assertThat(sink.isStored(new PublishedMessage("fault/pub/1", "pub:17".getBytes(UTF_8), 2, false, "pub",
                null, MqttVersion.MQTT_3_1_1, receivedAt.minusMillis(1), null)).get(30, TimeUnit.SECONDS))
                .as("another receive time").isFalse();
        assertThat(sink.isStored(new PublishedMessage("fault/pub/1", "pub:17".getBytes(UTF_8), 2, false, "pub2",
                null, MqttVersion.MQTT_3_1_1, receivedAt, null)).get(30, TimeUnit.SECONDS))
                .as("another client").isFalse();
        assertThat(sink.isStored(new PublishedMessage("fault/pub/2", "pub:17".getBytes(UTF_8), 2, false, "pub",
                null, MqttVersion.MQTT_3_1_1, receivedAt, null)).get(30, TimeUnit.SECONDS))
                .as("another MQTT topic").isFalse();
        assertThat(sink.isStored(new PublishedMessage("elsewhere/1", "pub:17".getBytes(UTF_8), 2, false, "pub",
                null, MqttVersion.MQTT_3_1_1, receivedAt, null)).get(30, TimeUnit.SECONDS))
                .as("a topic no rule mirrors").isFalse();
    }

    @Test
    void mqtt5MessageBecomesRecordWithEveryHeaderUntouchedPayloadAndReceiveTimestamp() throws Exception {
        String topic = KafkaTestClients.uniqueTopic("headers");
        sink(new MirrorRule("devices/#", topic));
        byte[] payload = {0, (byte) 0xff, 'x', 10};
        byte[] correlation = {1, 2, (byte) 0x80};
        Instant receivedAt = Instant.now().minus(3, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.MILLIS);
        MessageProperties properties = new MessageProperties(1, 3600L, "application/json", "replies/d1", correlation,
                List.of(new UserProperty("site", "north"), new UserProperty("tag", "a"), new UserProperty("tag", "b")));
        PublishedMessage message = new PublishedMessage("devices/d1/state", payload, 2, true, "client-1", "alice",
                MqttVersion.MQTT_5, receivedAt, properties);

        sink.accept(message).get(30, TimeUnit.SECONDS);

        ConsumerRecord<byte[], byte[]> record = KafkaTestClients.readAll(bootstrap, topic, 1, WAIT).get(0);
        assertThat(record.value()).isEqualTo(payload);
        assertThat(new String(record.key(), UTF_8)).isEqualTo("client-1");
        assertThat(record.timestampType()).isEqualTo(TimestampType.CREATE_TIME);
        assertThat(record.timestamp()).isEqualTo(receivedAt.toEpochMilli());
        assertThat(headers(record)).containsExactly(
                tuple("mqtt.topic", "devices/d1/state"),
                tuple("mqtt.qos", "2"),
                tuple("mqtt.retain", "true"),
                tuple("mqtt.client_id", "client-1"),
                tuple("mqtt.username", "alice"),
                tuple("mqtt.protocol_version", "5"),
                tuple("mqtt.content_type", "application/json"),
                tuple("mqtt.payload_format", "1"),
                tuple("mqtt.response_topic", "replies/d1"),
                tuple("mqtt.correlation_data", new String(correlation, UTF_8)),
                tuple("mqtt.message_expiry", "3600"),
                tuple("mqtt.user.site", "north"),
                tuple("mqtt.user.tag", "a"),
                tuple("mqtt.user.tag", "b"),
                tuple("mqtt.node", "node-7"));
        assertThat(record.headers().lastHeader("mqtt.correlation_data").value()).isEqualTo(correlation);
    }

    @Test
    void mqtt311MessageWithoutUsernameCarriesOnlyThePresentHeaders() throws Exception {
        String topic = KafkaTestClients.uniqueTopic("plain");
        sink(new MirrorRule("#", topic));

        sink.accept(Messages.mqtt311("c2", "a/b", "hi")).get(30, TimeUnit.SECONDS);

        ConsumerRecord<byte[], byte[]> record = KafkaTestClients.readAll(bootstrap, topic, 1, WAIT).get(0);
        assertThat(headers(record)).extracting(t -> t.toList().get(0)).containsExactly(
                "mqtt.topic", "mqtt.qos", "mqtt.retain", "mqtt.client_id", "mqtt.protocol_version", "mqtt.node");
        assertThat(record.headers().lastHeader("mqtt.protocol_version").value()).isEqualTo("4".getBytes(UTF_8));
    }

    /** The sink caches a publisher's encoded client id and user name: a changed user name must not be missed. */
    @Test
    void aUsernameChangedByReAuthenticationReachesTheNextRecordsHeaderAndKey() throws Exception {
        String topic = KafkaTestClients.uniqueTopic("reauth");
        sink(new MirrorRule("#", topic).setKeyStrategy(KeyStrategy.USERNAME));
        String clientId = "device-9"; // one connection's id: the same String for every message

        for (String username : new String[] {"alice", "alice", "bob", null, "alice"}) {
            sink.accept(new PublishedMessage("a/b", new byte[] {1}, 1, false, clientId, username, MqttVersion.MQTT_5,
                    Instant.now(), null)).get(30, TimeUnit.SECONDS);
        }

        List<ConsumerRecord<byte[], byte[]>> records = KafkaTestClients.readAll(bootstrap, topic, 5, WAIT);
        assertThat(records).extracting(r -> r.headers().lastHeader("mqtt.username") == null ? null
                : new String(r.headers().lastHeader("mqtt.username").value(), UTF_8))
                .containsExactly("alice", "alice", "bob", null, "alice");
        assertThat(records).extracting(r -> r.key() == null ? null : new String(r.key(), UTF_8))
                .containsExactly("alice", "alice", "bob", null, "alice");
        assertThat(records).extracting(r -> new String(r.headers().lastHeader("mqtt.client_id").value(), UTF_8))
                .containsOnly("device-9");
    }

    @Test
    void firstMatchingRuleWinsAndTemplateAndKeyUseTopicLevels() throws Exception {
        String prefix = KafkaTestClients.uniqueTopic("tpl");
        sink(new MirrorRule("sensors/+/temp", prefix + ".temp.{2}")
                        .setKeyStrategy(KeyStrategy.TOPIC_LEVEL).setKeyTopicLevel(2),
                new MirrorRule("sensors/#", prefix + ".other").setKeyStrategy(KeyStrategy.TOPIC),
                new MirrorRule("users/#", prefix + ".users").setKeyStrategy(KeyStrategy.USERNAME),
                new MirrorRule("anon/#", prefix + ".anon").setKeyStrategy(KeyStrategy.NONE));

        sink.accept(Messages.mqtt311("c", "sensors/room 1/temp", "21")).get(30, TimeUnit.SECONDS);
        sink.accept(Messages.mqtt311("c", "sensors/room1/humidity", "40")).get(30, TimeUnit.SECONDS);
        sink.accept(new PublishedMessage("users/x", new byte[0], 0, false, "c", "bob", MqttVersion.MQTT_5,
                Instant.now(), null)).get(30, TimeUnit.SECONDS);
        sink.accept(Messages.mqtt311("c", "anon/x", "n")).get(30, TimeUnit.SECONDS);

        ConsumerRecord<byte[], byte[]> temp = KafkaTestClients.readAll(bootstrap, prefix + ".temp.room_1", 1, WAIT).get(0);
        assertThat(new String(temp.key(), UTF_8)).isEqualTo("room 1");
        ConsumerRecord<byte[], byte[]> other = KafkaTestClients.readAll(bootstrap, prefix + ".other", 1, WAIT).get(0);
        assertThat(new String(other.key(), UTF_8)).isEqualTo("sensors/room1/humidity");
        ConsumerRecord<byte[], byte[]> user = KafkaTestClients.readAll(bootstrap, prefix + ".users", 1, WAIT).get(0);
        assertThat(new String(user.key(), UTF_8)).isEqualTo("bob");
        ConsumerRecord<byte[], byte[]> anon = KafkaTestClients.readAll(bootstrap, prefix + ".anon", 1, WAIT).get(0);
        assertThat(anon.key()).isNull();
    }

    @Test
    void unmatchedTopicAndSkippedRetainedMessageCompleteAtOnceWithoutARecord() throws Exception {
        String topic = KafkaTestClients.uniqueTopic("skip");
        sink(new MirrorRule("telemetry/#", topic).setMirrorRetained(false));

        CompletableFuture<Void> unmatched = sink.accept(Messages.mqtt311("c", "other/topic", "x"));
        CompletableFuture<Void> retained = sink.accept(Messages.retained("c", "telemetry/t", "r"));
        assertThat(unmatched).isCompleted();
        assertThat(retained).isCompleted();
        sink.accept(Messages.mqtt311("c", "telemetry/t", "kept")).get(30, TimeUnit.SECONDS);

        List<ConsumerRecord<byte[], byte[]>> records = KafkaTestClients.readAll(bootstrap, topic, 1, WAIT);
        assertThat(records).extracting(r -> new String(r.value(), UTF_8)).containsExactly("kept");
        assertThat(metrics.meter("kafka.mirror.records.not-mirrored").getCount()).isEqualTo(2);
        assertThat(metrics.meter("kafka.mirror.records.acked").getCount()).isEqualTo(1);
    }

    @Test
    void topicLevelThatCannotFormALegalKafkaTopicIsRejectedWithTopicNameInvalid() {
        sink(new MirrorRule("+", "{1}"));

        CompletableFuture<Void> future = sink.accept(Messages.mqtt311("c", "..", "x"));

        assertThatThrownBy(future::join).isInstanceOf(CompletionException.class)
                .cause().isInstanceOf(PublishRejectedException.class)
                .satisfies(e -> assertThat(((PublishRejectedException) e).reasonCode()).isEqualTo(0x90));
    }

    @Test
    void eachClientsMessagesReachKafkaInPublishOrderAcrossPartitions() throws Exception {
        String topic = KafkaTestClients.uniqueTopic("order");
        KafkaTestClients.createTopic(bootstrap, topic, 3);
        sink(new MirrorRule("load/#", topic));
        int loops = 4;
        int clientsPerLoop = 5;
        int messagesPerClient = 400;
        ExecutorService eventLoops = Executors.newFixedThreadPool(loops);
        List<Future<List<CompletableFuture<Void>>>> submitted = new ArrayList<>();
        for (int loop = 0; loop < loops; loop++) {
            int loopId = loop;
            submitted.add(eventLoops.submit(() -> {
                List<CompletableFuture<Void>> futures = new ArrayList<>();
                for (int seq = 0; seq < messagesPerClient; seq++) {
                    for (int c = 0; c < clientsPerLoop; c++) {
                        String client = "client-" + loopId + "-" + c;
                        futures.add(sink.accept(Messages.mqtt311(client, "load/" + client, Integer.toString(seq))));
                    }
                }
                return futures;
            }));
        }
        for (Future<List<CompletableFuture<Void>>> f : submitted) {
            CompletableFuture.allOf(f.get().toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        }
        eventLoops.shutdown();

        int total = loops * clientsPerLoop * messagesPerClient;
        List<ConsumerRecord<byte[], byte[]>> records = KafkaTestClients.readAll(bootstrap, topic, total, WAIT);
        assertThat(records).hasSize(total);
        Map<String, List<Integer>> perClient = records.stream().collect(Collectors.groupingBy(
                r -> new String(r.key(), UTF_8), LinkedHashMap::new,
                Collectors.mapping(r -> Integer.parseInt(new String(r.value(), UTF_8)), Collectors.toList())));
        assertThat(perClient).hasSize(loops * clientsPerLoop);
        List<Integer> expected = java.util.stream.IntStream.range(0, messagesPerClient).boxed().toList();
        perClient.forEach((client, sequence) -> assertThat(sequence).as(client).isEqualTo(expected));
        assertThat(records.stream().map(ConsumerRecord::partition).distinct().count()).isGreaterThan(1);
        assertThat(sink.outstandingBytes()).isZero();
        assertThat(metrics.getGauges().get("kafka.mirror.outstanding-bytes").getValue()).isEqualTo(0L);
        assertThat(metrics.meter("kafka.mirror.records.sent").getCount()).isEqualTo(total);
        assertThat(metrics.meter("kafka.mirror.records.acked").getCount()).isEqualTo(total);
        assertThat(metrics.meter("kafka.mirror.records.failed").getCount()).isZero();
        assertThat(metrics.timer("kafka.mirror.send-latency").getCount()).isEqualTo(total);
    }

    @Test
    void invalidRuleFailsAtStartupNamingItsIndexAndFilter() {
        ProducerSettings settings = new ProducerSettings();
        List<MirrorRule> rules = List.of(new MirrorRule("a/#", "ok"), new MirrorRule("b/+x", "t"));

        assertThatThrownBy(() -> KafkaPublishSink.create(bootstrap, rules, settings, "n", metrics))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mirror rule #1")
                .hasMessageContaining("'b/+x'");
    }

    private static List<org.assertj.core.groups.Tuple> headers(ConsumerRecord<byte[], byte[]> record) {
        return StreamSupport.stream(record.headers().spliterator(), false)
                .map((Header h) -> tuple(h.key(), new String(h.value(), UTF_8)))
                .toList();
    }
}
