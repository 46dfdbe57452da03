package io.mqttbridge.broker.e2e;

import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.spi.AuthenticationResult;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.ConnectionInfo;
import io.mqttbridge.broker.spi.DisconnectInfo;
import io.mqttbridge.broker.spi.PublishSink;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.SessionListener;
import io.mqttbridge.broker.spi.TopicPermissions;
import io.mqttbridge.testing.mqtt.RawMqttClient;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class ListenerAndMetricsTest {

    @Test
    void listenerHearsConnectSubscribeAndDisconnectAndMetricsCountTraffic() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        SessionListener listener = new SessionListener() {
            @Override
            public void onConnected(ConnectionInfo connection) {
                events.add("connected:" + connection.clientId());
            }

            @Override
            public void onDisconnected(ConnectionInfo connection, DisconnectInfo disconnect) {
                events.add("disconnected:" + connection.clientId() + ":" + disconnect.reason() + ":" + disconnect.willPublished());
            }

            @Override
            public void onSubscribed(ConnectionInfo connection, List<String> topicFilters, List<Integer> grantedQos) {
                events.add("subscribed:" + topicFilters + grantedQos);
            }
        };
        try (TestBroker broker = new TestBroker(c -> { }, Authenticator.ALLOW_ALL, Authorizer.ALLOW_ALL,
                PublishSink.NONE, listener);
             RawMqttClient client = new RawMqttClient(broker.port())) {
            client.send(RawMqttClient.connect(4, "listened", true, 60));
            assertThat(client.read().type()).isEqualTo(2);
            client.send(RawMqttClient.packet(0x82, new byte[] {0, 1, 0, 1, 'm', 2}));
            assertThat(client.read().type()).isEqualTo(9);
            client.send(RawMqttClient.publish(1, "m", 3, "x", false));
            client.read();
            client.read();
            client.send(RawMqttClient.packet(0xE0, new byte[0]));
            assertThat(client.readUntilClosed()).isEmpty();
            await().until(() -> events.size() == 3);
            assertThat(events).containsExactly("connected:listened", "subscribed:[m][2]",
                    "disconnected:listened:client_disconnect:false");
            assertThat(broker.metrics.meter(BrokerMetrics.MESSAGES_IN + 1).getCount()).isEqualTo(1);
            assertThat(broker.metrics.meter(BrokerMetrics.MESSAGES_OUT + 1).getCount()).isEqualTo(1);
            assertThat(broker.metrics.meter(BrokerMetrics.BYTES_IN).getCount()).isPositive();
            assertThat(broker.metrics.counter(BrokerMetrics.SUBSCRIPTIONS).getCount()).isZero();
        }
    }

    @Test
    void refusedCredentialsGetConnackCodeAndForbiddenPublishIsDroppedWith0x87() throws Exception {
        Authenticator authenticator = request -> CompletableFuture.completedFuture(
                "good".equals(request.clientId())
                        ? AuthenticationResult.success(new io.mqttbridge.broker.spi.DeviceIdentity("d", null, "good", null))
                        : AuthenticationResult.refused(AuthenticationResult.Refusal.BAD_USERNAME_OR_PASSWORD));
        TopicPermissions readOnly = new TopicPermissions() {
            @Override
            public boolean mayPublish(String topicName) {
                return false;
            }

            @Override
            public boolean maySubscribe(String topicFilter) {
                return true;
            }
        };
        try (TestBroker broker = new TestBroker(c -> { }, authenticator,
                identity -> CompletableFuture.completedFuture(readOnly), PublishSink.NONE, SessionListener.NONE)) {
            try (RawMqttClient bad = new RawMqttClient(broker.port())) {
                bad.send(RawMqttClient.connect(4, "bad", true, 60));
                var packets = bad.readUntilClosed();
                assertThat(packets).hasSize(1);
                assertThat(packets.get(0).body()[1]).isEqualTo((byte) 4);
            }
            try (RawMqttClient good = new RawMqttClient(broker.port())) {
                good.send(RawMqttClient.connect(5, "good", true, 60));
                assertThat(good.read().type()).isEqualTo(2);
                good.send(RawMqttClient.publish(1, "forbidden", 5, "x", true));
                var ack = good.read();
                assertThat(ack.type()).isEqualTo(4);
                assertThat(ack.body()[2] & 0xFF).isEqualTo(0x87);
                assertThat(broker.metrics.meter(BrokerMetrics.DropReason.NOT_AUTHORIZED.metricName()).getCount()).isEqualTo(1);
            }
        }
    }

    @Test
    void downlinkPublishCompletesWithTheNumberOfSessionsAndFailsAfterStop() throws Exception {
        TestBroker broker = TestBroker.start();
        try (RawMqttClient client = new RawMqttClient(broker.port())) {
            client.send(RawMqttClient.connect(4, "down", true, 60));
            assertThat(client.read().type()).isEqualTo(2);
            client.send(RawMqttClient.packet(0x82, new byte[] {0, 1, 0, 1, 'd', 0}));
            assertThat(client.read().type()).isEqualTo(9);
            PublishedMessage message = new PublishedMessage("d", "k".getBytes(), 0, false, null, null, null,
                    Instant.now(), null);
            assertThat(broker.broker.publish(message).get()).isEqualTo(1);
            assertThat(client.read().type()).isEqualTo(3);
        }
        broker.close();
        PublishedMessage message = new PublishedMessage("d", "k".getBytes(), 0, false, null, null, null, Instant.now(), null);
        assertThat(broker.broker.publish(message)).isCompletedExceptionally();
    }

    @Test
    void forbiddenSubscriptionGets0x80InMqtt311AndDisconnectIfUsesAdministrativeAction() throws Exception {
        TopicPermissions noSecrets = TestPermissions.subscribeExcept("secret");
        List<DisconnectInfo> disconnects = new CopyOnWriteArrayList<>();
        SessionListener listener = new SessionListener() {
            @Override
            public void onDisconnected(ConnectionInfo connection, DisconnectInfo disconnect) {
                disconnects.add(disconnect);
            }
        };
        try (TestBroker broker = new TestBroker(c -> { }, Authenticator.ALLOW_ALL,
                identity -> CompletableFuture.completedFuture(noSecrets), PublishSink.NONE, listener);
             RawMqttClient v3 = new RawMqttClient(broker.port());
             RawMqttClient v5 = new RawMqttClient(broker.port())) {
            v3.send(RawMqttClient.connect(4, "curious", true, 60));
            assertThat(v3.read().type()).isEqualTo(2);
            v3.send(RawMqttClient.subscribe(1, "secret/#", 1, false));
            var subAck = v3.read();
            assertThat(subAck.body()[2] & 0xFF).isEqualTo(0x80);

            v5.send(RawMqttClient.connect(5, "admin-me", true, 60));
            assertThat(v5.read().type()).isEqualTo(2);
            assertThat(broker.broker.disconnectIf(info -> info.clientId().startsWith("admin-"))).isEqualTo(1);
            var packets = v5.readUntilClosed();
            assertThat(packets).hasSize(1);
            assertThat(packets.get(0).body()[0] & 0xFF).isEqualTo(0x98);
            await().until(() -> disconnects.size() == 1);
            assertThat(disconnects.get(0).reason()).isEqualTo(DisconnectInfo.ADMINISTRATIVE_ACTION);
            assertThat(disconnects.get(0).reasonCode()).isEqualTo(0x98);
            assertThat(broker.broker.connectedClients()).extracting(ConnectionInfo::clientId).containsExactly("curious");
        }
    }
}
