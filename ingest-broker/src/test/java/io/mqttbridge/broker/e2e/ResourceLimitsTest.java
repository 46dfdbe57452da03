package io.mqttbridge.broker.e2e;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import io.mqttbridge.broker.config.LimitsConfig;
import io.mqttbridge.broker.metrics.LimitMetrics;
import io.mqttbridge.broker.spi.AuthenticationResult;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.DeviceIdentity;
import io.mqttbridge.broker.spi.PublishSink;
import io.mqttbridge.broker.spi.SessionListener;
import io.mqttbridge.testing.mqtt.RawMqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/**
 * Every per-client bound of issue 12 item 4 that is not the offline queue: each has a config key,
 * a metric and a reason code, tried with real clients (or hand-made packets where a real client
 * would not misbehave) over real sockets.
 */
class ResourceLimitsTest {

    /** User name = identity, any client id, anonymous without user name. */
    private static final Authenticator IDENTITIES = request -> CompletableFuture.completedFuture(
            AuthenticationResult.success(request.username() == null ? DeviceIdentity.anonymous(request.clientId())
                    : new DeviceIdentity(request.username(), request.username(), request.clientId(), List.of())));

    private static long meter(TestBroker broker, String name) {
        return broker.metrics.meter(name).getCount();
    }

    @Test
    void theDefaultsBoundEveryLimit() {
        LimitsConfig defaults = new LimitsConfig();
        assertThat(defaults.getMaxSubscriptionsPerClient()).isEqualTo(1_000);
        assertThat(defaults.getMaxUnauthenticatedBytes()).isEqualTo(64 * 1024);
        assertThat(defaults.getMaxInboundQos2PerClient()).isEqualTo(1_000);
        assertThat(defaults.getMaxSessionsPerIdentity()).isEqualTo(100);
        assertThat(defaults.getMaxTopicLevels()).isEqualTo(32);
        assertThat(defaults.getMaxTopicLength()).isEqualTo(1_024);
    }

    @Test
    void aConnectionStillBeingAuthenticatedIsClosedWhenItSendsMoreThanMaxUnauthenticatedBytes() throws Exception {
        Authenticator never = request -> new CompletableFuture<>();
        try (TestBroker broker = new TestBroker(c -> c.getLimits().setMaxUnauthenticatedBytes(4_096), never,
                Authorizer.ALLOW_ALL, PublishSink.NONE, SessionListener.NONE);
             RawMqttClient raw = new RawMqttClient(broker.port())) {
            raw.send(RawMqttClient.connect(4, "slow-auth", true, 60));
            String kilobyte = "x".repeat(1_000);
            for (int i = 0; i < 3; i++) {
                raw.send(RawMqttClient.publish(0, "t", 0, kilobyte, false));
            }
            assertThat(meter(broker, LimitMetrics.UNAUTHENTICATED_BYTES)).isZero();
            raw.send(RawMqttClient.publish(0, "t", 0, kilobyte + kilobyte, false));
            assertThat(raw.readUntilClosed()).as("no CONNACK, just closed").isEmpty();
            assertThat(meter(broker, LimitMetrics.UNAUTHENTICATED_BYTES)).isEqualTo(1);
        }
    }

    @Test
    void mqtt311ClientHoldingTooManyQos2FlowsOpenIsClosed() throws Exception {
        try (TestBroker broker = TestBroker.start(c -> c.getLimits().setMaxInboundQos2PerClient(3));
             RawMqttClient raw = new RawMqttClient(broker.port())) {
            raw.send(RawMqttClient.connect(4, "qos2-hoarder", true, 60));
            assertThat(raw.read().type()).isEqualTo(2);
            for (int id = 1; id <= 3; id++) {
                raw.send(RawMqttClient.publish(2, "t", id, "p", false));
                assertThat(raw.read().type()).as("PUBREC").isEqualTo(5);
            }
            raw.send(RawMqttClient.publish(2, "t", 4, "p", false));
            assertThat(raw.readUntilClosed()).isEmpty();
            assertThat(meter(broker, LimitMetrics.INBOUND_QOS2)).isEqualTo(1);
        }
    }

    @Test
    void anIdentityBeyondMaxSessionsPerIdentityIsRefusedWithQuotaExceededButMayResumeItsOwn() throws Exception {
        try (TestBroker broker = new TestBroker(c -> c.getLimits().setMaxSessionsPerIdentity(2), IDENTITIES,
                Authorizer.ALLOW_ALL, PublishSink.NONE, SessionListener.NONE)) {
            for (String id : List.of("s-1", "s-2")) {
                Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1")
                        .serverPort(broker.port()).buildBlocking();
                client.connectWith().sessionExpiryInterval(600).simpleAuth().username("dev").applySimpleAuth().send();
                client.disconnect();
            }
            Mqtt5BlockingClient third = MqttClient.builder().useMqttVersion5().identifier("s-3").serverHost("127.0.0.1")
                    .serverPort(broker.port()).buildBlocking();
            Mqtt5ConnAckException refused = catchThrowableOfType(() -> third.connectWith().sessionExpiryInterval(600)
                    .simpleAuth().username("dev").applySimpleAuth().send(), Mqtt5ConnAckException.class);
            assertThat(refused.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.QUOTA_EXCEEDED);

            org.eclipse.paho.client.mqttv3.MqttClient v3 = new org.eclipse.paho.client.mqttv3.MqttClient(
                    broker.tcpUri(), "s-4", new MemoryPersistence());
            MqttConnectOptions options = new MqttConnectOptions();
            options.setUserName("dev");
            options.setCleanSession(false);
            options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
            assertThatThrownBy(() -> v3.connect(options)).isInstanceOf(MqttException.class)
                    .satisfies(e -> assertThat(((MqttException) e).getReasonCode())
                            .isEqualTo(MqttException.REASON_CODE_BROKER_UNAVAILABLE));
            v3.close();

            Mqtt5BlockingClient again = MqttClient.builder().useMqttVersion5().identifier("s-1").serverHost("127.0.0.1")
                    .serverPort(broker.port()).buildBlocking();
            assertThat(again.connectWith().cleanStart(false).sessionExpiryInterval(600).simpleAuth().username("dev")
                    .applySimpleAuth().send().isSessionPresent()).isTrue();
            again.disconnect();
            assertThat(meter(broker, LimitMetrics.SESSIONS_PER_IDENTITY)).isEqualTo(2);
        }
    }

    @Test
    void topicsDeeperOrLongerThanTheLimitsAreRefused() {
        try (TestBroker broker = TestBroker.start(c -> {
            c.getLimits().setMaxTopicLevels(3);
            c.getLimits().setMaxTopicLength(20);
        })) {
            CompletableFuture<Throwable> closed = new CompletableFuture<>();
            Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier("deep").serverHost("127.0.0.1")
                    .serverPort(broker.port()).addDisconnectedListener(context -> closed.complete(context.getCause()))
                    .buildBlocking();
            client.connect();
            Mqtt5SubAckException refused = catchThrowableOfType(() -> client.subscribeWith()
                    .addSubscription().topicFilter("a/b/c").applySubscription()
                    .addSubscription().topicFilter("a/b/c/d").applySubscription()
                    .addSubscription().topicFilter("a/" + "x".repeat(30)).applySubscription()
                    // Characters, not UTF-16 units: 20 emoji are 40 units, 21 are past the limit.
                    .addSubscription().topicFilter("\uD83D\uDE00".repeat(20)).applySubscription()
                    .addSubscription().topicFilter("\uD83D\uDE00".repeat(21)).applySubscription()
                    .send(), Mqtt5SubAckException.class);
            assertThat(refused.getMqttMessage().getReasonCodes()).containsExactly(Mqtt5SubAckReasonCode.GRANTED_QOS_2,
                    Mqtt5SubAckReasonCode.QUOTA_EXCEEDED, Mqtt5SubAckReasonCode.QUOTA_EXCEEDED,
                    Mqtt5SubAckReasonCode.GRANTED_QOS_2, Mqtt5SubAckReasonCode.QUOTA_EXCEEDED);
            client.toAsync().publishWith().topic("a/b/c/d").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[] {1}).send();
            assertThat(closed).succeedsWithin(Duration.ofSeconds(5)).isInstanceOfSatisfying(Mqtt5DisconnectException.class,
                    e -> assertThat(e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5DisconnectReasonCode.TOPIC_NAME_INVALID));
            assertThat(meter(broker, LimitMetrics.TOPIC_SIZE)).isEqualTo(4);
        }
    }

    /** The documented limit is in characters: 256 emoji (512 UTF-16 units) are a valid client id. */
    @Test
    void aClientIdIsMeasuredInCharacters() {
        try (TestBroker broker = TestBroker.start(c -> { })) {
            Mqtt5BlockingClient longest = MqttClient.builder().useMqttVersion5().identifier("\uD83D\uDE00".repeat(256))
                    .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
            assertThat(longest.connect().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
            longest.disconnect();
            Mqtt5BlockingClient tooLong = MqttClient.builder().useMqttVersion5().identifier("\uD83D\uDE00".repeat(257))
                    .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
            assertThat(catchThrowableOfType(tooLong::connect, Mqtt5ConnAckException.class).getMqttMessage()
                    .getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.CLIENT_IDENTIFIER_NOT_VALID);
        }
    }

    @Test
    void maxSessionExpiryCapsMqtt311PersistentSessions() throws Exception {
        try (TestBroker broker = TestBroker.start(c -> c.setMaxSessionExpirySeconds(1))) {
            org.eclipse.paho.client.mqttv3.MqttClient v3 = new org.eclipse.paho.client.mqttv3.MqttClient(
                    broker.tcpUri(), "persistent-311", new MemoryPersistence());
            MqttConnectOptions options = new MqttConnectOptions();
            options.setCleanSession(false);
            v3.connect(options);
            v3.subscribe("t", 1);
            v3.disconnect();
            v3.close();
            assertThat(meter(broker, LimitMetrics.SESSION_EXPIRY_CAPPED)).isEqualTo(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> broker.broker.sessionCount() == 0);
        }
    }

    @Test
    void anExpiryRaisedAtDisconnectIsCappedToo() {
        try (TestBroker broker = TestBroker.start(c -> c.setMaxSessionExpirySeconds(1))) {
            Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier("raiser").serverHost("127.0.0.1")
                    .serverPort(broker.port()).buildBlocking();
            client.connectWith().sessionExpiryInterval(1).send();
            client.subscribeWith().topicFilter("t").send();
            client.disconnectWith().sessionExpiryInterval(86_400).send();
            assertThat(meter(broker, LimitMetrics.SESSION_EXPIRY_CAPPED)).isEqualTo(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> broker.broker.sessionCount() == 0);
        }
    }

    private static Mqtt5PubAckReasonCode retain(Mqtt5BlockingClient client, String topic, String payload) {
        try {
            client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).retain(true)
                    .payload(payload.getBytes(StandardCharsets.UTF_8)).send();
            return Mqtt5PubAckReasonCode.SUCCESS;
        } catch (com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException e) {
            return e.getMqttMessage().getReasonCode();
        }
    }

    private static List<String> retainedOf(TestBroker broker, String filter) {
        Mqtt5BlockingClient reader = MqttClient.builder().useMqttVersion5().identifier("reader-" + System.nanoTime())
                .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        reader.connect();
        List<String> topics = new java.util.ArrayList<>();
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = reader.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
            reader.subscribeWith().topicFilter(filter).send();
            // Sent after the retained messages of the filter: marks their end.
            reader.subscribeWith().topicFilter("end/marker").send();
            reader.publishWith().topic("end/marker").send();
            while (true) {
                var next = publishes.receive(5, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(next).isPresent();
                String topic = next.get().getTopic().toString();
                if (topic.equals("end/marker")) {
                    break;
                }
                topics.add(topic);
            }
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        reader.disconnect();
        return topics.stream().sorted().toList();
    }

    @Test
    void retainedMessagesOverTheLimitsAreRefusedWithQuotaExceededOr311KeepsThemUnretained() throws Exception {
        try (TestBroker broker = TestBroker.start(c -> {
            c.getLimits().setMaxRetainedMessagesPerClient(2);
            c.getLimits().setMaxRetainedMessages(3);
        })) {
            Mqtt5BlockingClient one = MqttClient.builder().useMqttVersion5().identifier("one").serverHost("127.0.0.1")
                    .serverPort(broker.port()).buildBlocking();
            one.connect();
            assertThat(retain(one, "r/1", "a")).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
            assertThat(retain(one, "r/2", "b")).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
            assertThat(retain(one, "r/3", "c")).isEqualTo(Mqtt5PubAckReasonCode.QUOTA_EXCEEDED);
            assertThat(retain(one, "r/1", "a2")).as("replacing its own").isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
            assertThat(retain(one, "r/2", "")).as("clearing").isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
            assertThat(retain(one, "r/3", "c")).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);

            Mqtt5BlockingClient two = MqttClient.builder().useMqttVersion5().identifier("two").serverHost("127.0.0.1")
                    .serverPort(broker.port()).buildBlocking();
            two.connect();
            assertThat(retain(two, "r/4", "d")).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
            assertThat(retain(two, "r/5", "e")).as("over the total").isEqualTo(Mqtt5PubAckReasonCode.QUOTA_EXCEEDED);

            org.eclipse.paho.client.mqttv3.MqttClient v3 = new org.eclipse.paho.client.mqttv3.MqttClient(
                    broker.tcpUri(), "three", new MemoryPersistence());
            v3.connect();
            v3.publish("r/6", "f".getBytes(StandardCharsets.UTF_8), 1, true);
            v3.disconnect();
            v3.close();

            assertThat(retainedOf(broker, "r/#")).containsExactly("r/1", "r/3", "r/4");
            assertThat(meter(broker, LimitMetrics.RETAINED)).isEqualTo(3);
            one.disconnect();
            two.disconnect();
        }
    }
}
