package io.mqttbridge.broker.e2e;

import io.mqttbridge.broker.SubscriptionInfo;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.spi.AuthenticationResult;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.ConnectionInfo;
import io.mqttbridge.broker.spi.DeviceIdentity;
import io.mqttbridge.broker.spi.PublishSink;
import io.mqttbridge.broker.spi.SessionListener;
import io.mqttbridge.broker.spi.TopicPermissions;
import io.mqttbridge.testing.mqtt.PahoV3Collector;
import io.mqttbridge.testing.mqtt.RawMqttClient;
import io.mqttbridge.testing.mqtt.RawMqttClient.Packet;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The broker's live-state and administration methods (behind the REST API) on real connections:
 * which clients and owners it lists, ending a device's sessions, authorizing a device again.
 */
class SessionAdministrationTest {

    /* The device is the client id's prefix: "d1-a" and "d1-b" belong to device d1. */
    private static final Authenticator BY_PREFIX = request -> CompletableFuture.completedFuture(
            AuthenticationResult.success(new DeviceIdentity(request.clientId().substring(0, 2), null,
                    request.clientId(), null)));

    @Test
    void endingADevicesSessionsDisconnectsItsClientsAndLeavesTheOthers() throws Exception {
        try (TestBroker broker = new TestBroker(c -> { }, BY_PREFIX, Authorizer.ALLOW_ALL, PublishSink.NONE,
                SessionListener.NONE);
             RawMqttClient a = connected(broker, "d1-a");
             RawMqttClient b = connected(broker, "d1-b");
             RawMqttClient other = connected(broker, "d2-a")) {
            await().until(() -> broker.broker.connectedClients().size() == 3);
            assertThat(broker.broker.sessionOwners()).containsExactlyInAnyOrder("d1", "d2");
            assertThat(broker.broker.connection("d1-a")).map(ConnectionInfo::clientId).contains("d1-a");

            assertThat(broker.broker.endSessionsOf("d1")).isGreaterThanOrEqualTo(2);

            a.readUntilClosed();
            b.readUntilClosed();
            await().untilAsserted(() -> assertThat(broker.broker.connectedClients())
                    .extracting(ConnectionInfo::clientId).containsExactly("d2-a"));
            assertThat(broker.broker.connection("d1-a")).isEmpty();
            assertThat(broker.broker.disconnect("d1-a")).isFalse();
            assertThat(broker.broker.disconnectIf(info -> info.clientId().startsWith("d2"))).isEqualTo(1);
            other.readUntilClosed();
        }
    }

    @Test
    void authorizingADeviceAgainRemovesTheSubscriptionsItMayNoLongerHave() throws Exception {
        try (TestBroker broker = new TestBroker(c -> { }, BY_PREFIX, Authorizer.ALLOW_ALL, PublishSink.NONE,
                SessionListener.NONE);
             RawMqttClient client = connected(broker, "d1-a")) {
            client.send(RawMqttClient.subscribe(1, "open/x", 1, false));
            assertThat(client.read().type()).isEqualTo(9);
            client.send(RawMqttClient.subscribe(2, "secret/x", 1, false));
            assertThat(client.read().type()).isEqualTo(9);
            assertThat(broker.broker.subscriptionsOf("d1-a")).extracting(SubscriptionInfo::topicFilter)
                    .containsExactly("open/x", "secret/x");

            TopicPermissions noSecrets = TestPermissions.subscribeExcept("secret/");
            int removed = broker.broker.reauthorize("d1", identity -> CompletableFuture.completedFuture(noSecrets))
                    .get(10, TimeUnit.SECONDS);

            assertThat(removed).isEqualTo(1);
            assertThat(broker.broker.subscriptionsOf("d1-a")).extracting(SubscriptionInfo::topicFilter)
                    .containsExactly("open/x");
            assertThat(broker.broker.reauthorize("nobody", identity -> CompletableFuture.completedFuture(noSecrets))
                    .get(10, TimeUnit.SECONDS)).isZero();
        }
    }

    @Test
    void aWillOnATopicTheDeviceMayNoLongerPublishToIsNotPublished() throws Exception {
        try (TestBroker broker = new TestBroker(c -> { }, BY_PREFIX, Authorizer.ALLOW_ALL, PublishSink.NONE,
                SessionListener.NONE);
             RawMqttClient watcher = connected(broker, "w1-a");
             RawMqttClient revoked = new RawMqttClient(broker.port());
             RawMqttClient kept = new RawMqttClient(broker.port())) {
            watcher.send(RawMqttClient.subscribe(1, "wills/#", 0, false));
            assertThat(watcher.read().type()).isEqualTo(9);
            revoked.send(RawMqttClient.connect(4, "d1-a", true, 60, "wills/revoked", "gone"));
            assertThat(revoked.read().type()).isEqualTo(2);
            kept.send(RawMqttClient.connect(4, "d2-a", true, 60, "wills/kept", "gone"));
            assertThat(kept.read().type()).isEqualTo(2);

            // Device d1 may no longer publish under wills/: its will, allowed at CONNECT, is not published.
            broker.broker.reauthorize("d1", identity -> CompletableFuture.completedFuture(
                    TestPermissions.publishExcept("wills/"))).get(10, TimeUnit.SECONDS);
            revoked.close();
            await().until(() -> broker.broker.connection("d1-a").isEmpty());
            kept.close();

            Packet will = watcher.read();
            assertThat(will.type()).isEqualTo(3);
            assertThat(new String(will.body(), java.nio.charset.StandardCharsets.UTF_8)).as("the first will to arrive")
                    .contains("wills/kept").doesNotContain("wills/revoked");
        }
    }

    @Test
    void queuedMessagesOnATopicTheRulesNoLongerLetThroughAreNotSent() throws Exception {
        AtomicReference<TopicPermissions> rules = new AtomicReference<>(TopicPermissions.ALLOW_ALL);
        TopicPermissions noSecret = TestPermissions.hiding("q/secret");
        try (TestBroker broker = new TestBroker(c -> { }, BY_PREFIX,
                identity -> CompletableFuture.completedFuture(rules.get()), PublishSink.NONE, SessionListener.NONE);
             RawMqttClient publisher = connected(broker, "p1-a")) {
            RawMqttClient away = new RawMqttClient(broker.port());
            away.send(RawMqttClient.connect(4, "d1-a", false, 60));
            assertThat(away.read().type()).isEqualTo(2);
            away.send(RawMqttClient.subscribe(1, "q/#", 1, false));
            assertThat(away.read().type()).isEqualTo(9);
            away.close();
            await().until(() -> broker.broker.connection("d1-a").isEmpty());
            for (String topic : List.of("q/secret", "q/open")) {
                publisher.send(RawMqttClient.publish(1, topic, 7, "queued", false));
                assertThat(publisher.read().type()).isEqualTo(4);
            }

            // The operator revokes q/secret while the messages wait for the device.
            rules.set(noSecret);
            broker.broker.reauthorize("d1", identity -> CompletableFuture.completedFuture(noSecret))
                    .get(10, TimeUnit.SECONDS);
            try (RawMqttClient back = new RawMqttClient(broker.port())) {
                back.send(RawMqttClient.connect(4, "d1-a", false, 60));
                assertThat(back.read().type()).isEqualTo(2);
                Packet first = back.read();
                assertThat(first.type()).isEqualTo(3);
                assertThat(new String(first.body(), java.nio.charset.StandardCharsets.UTF_8)).as("the first delivery")
                        .contains("q/open").doesNotContain("q/secret");
            }
        }
    }

    @Test
    void spilledMessagesOnATopicTheRulesNoLongerLetThroughAreNotSentWhenReadBack() throws Exception {
        AtomicReference<TopicPermissions> rules = new AtomicReference<>(TopicPermissions.ALLOW_ALL);
        TopicPermissions noSecret = TestPermissions.hiding("q/secret");
        int payloadBytes = 128 * 1024;
        int pairs = 80; // 20 MiB against a heap bound of about 10 MiB: most of it waits in the session store
        try (TestBroker broker = new TestBroker(c -> {
            c.setMaxQueuedHeapPercent(1);
            c.setMaxPacketSize(payloadBytes + 1024);
        }, BY_PREFIX, identity -> CompletableFuture.completedFuture(rules.get()), PublishSink.NONE, SessionListener.NONE);
             RawMqttClient publisher = connected(broker, "p2-a")) {
            MqttClient away = pahoClient(broker, "d2-a");
            away.subscribe("q/#", 1);
            away.disconnect();
            for (int i = 0; i < 2 * pairs; i++) {
                String topic = i % 2 == 0 ? "q/secret" : "q/open";
                publisher.send(RawMqttClient.publish(1, topic, 1 + i, i + ":" + "x".repeat(payloadBytes), false));
                assertThat(publisher.read().type()).isEqualTo(4);
            }
            assertThat(broker.metrics.meter(BrokerMetrics.SPILLED).getCount()).as("spilled").isGreaterThan(pairs / 2);

            rules.set(noSecret);
            broker.broker.reauthorize("d2", identity -> CompletableFuture.completedFuture(noSecret))
                    .get(10, TimeUnit.SECONDS);
            PahoV3Collector back = new PahoV3Collector();
            MqttClient resumed = pahoClient(broker, "d2-a", back);

            await().atMost(Duration.ofSeconds(60)).until(() -> back.messages().size() >= pairs);
            assertThat(back.topics()).as("every open message, no secret one").hasSize(pairs).containsOnly("q/open");
            assertThat(broker.metrics.meter(BrokerMetrics.DROPPED + "not-authorized").getCount())
                    .as("the secret ones, queued in memory or spilled").isEqualTo(pairs);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> broker.metrics.counter(BrokerMetrics.QUEUED_IN_STORE).getCount() == 0);
            resumed.disconnect();
        }
    }

    private static MqttClient pahoClient(TestBroker broker, String clientId, PahoV3Collector... collector)
            throws Exception {
        MqttClient client = new MqttClient("tcp://127.0.0.1:" + broker.port(), clientId, new MemoryPersistence());
        if (collector.length > 0) {
            client.setCallback(collector[0]);
        }
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(false);
        options.setMaxInflight(1000);
        client.connect(options);
        return client;
    }

    private static RawMqttClient connected(TestBroker broker, String clientId) throws Exception {
        RawMqttClient client = new RawMqttClient(broker.port());
        client.send(RawMqttClient.connect(4, clientId, true, 60));
        assertThat(client.read().type()).isEqualTo(2);
        return client;
    }
}
