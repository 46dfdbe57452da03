package io.mqttbridge.broker.limits;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAck;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import io.mqttbridge.broker.e2e.TestBroker;
import io.mqttbridge.broker.listener.ListenerConfig;
import io.mqttbridge.broker.listener.Transport;
import io.mqttbridge.broker.metrics.LimitMetrics;
import io.mqttbridge.broker.spi.AuthenticationResult;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.DeviceIdentity;
import io.mqttbridge.broker.spi.PublishSink;
import io.mqttbridge.broker.spi.SessionListener;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class LimitsTest {

    private static Mqtt5BlockingClient client(int port, String id, CompletableFuture<Throwable> disconnected) {
        return MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1").serverPort(port)
                .addDisconnectedListener(context -> disconnected.complete(context.getCause()))
                .buildBlocking();
    }

    private static Mqtt5BlockingClient client(int port, String id) {
        return client(port, id, new CompletableFuture<>());
    }

    private static Mqtt5ConnAckReasonCode connectResult(Mqtt5BlockingClient client) {
        try {
            return client.connect().getReasonCode();
        } catch (Mqtt5ConnAckException e) {
            return e.getMqttMessage().getReasonCode();
        }
    }

    private static Mqtt5ConnAckReasonCode connectResult(Mqtt5BlockingClient client, String password) {
        return connectResult(client, "u", password);
    }

    private static Mqtt5ConnAckReasonCode connectResult(Mqtt5BlockingClient client, String username, String password) {
        try {
            return client.connectWith().simpleAuth().username(username).password(password.getBytes(StandardCharsets.UTF_8))
                    .applySimpleAuth().send().getReasonCode();
        } catch (Mqtt5ConnAckException e) {
            return e.getMqttMessage().getReasonCode();
        }
    }

    /**
     * QoS 1 publish, one at a time (so nothing is in flight when the broker disconnects); the broker
     * may already have closed the connection for the limit under test.
     */
    private static void publishIgnoringClose(Mqtt5BlockingClient client, String topic, byte[] payload) {
        try {
            client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(payload).send();
        } catch (RuntimeException closed) {
            // the disconnected listener reports why
        }
    }

    @Test
    void listenerAtItsConnectionMaximumRefusesWithQuotaExceededWhileOtherListenersAcceptAndRecovers() {
        ListenerConfig small = new ListenerConfig("small", Transport.TCP, "127.0.0.1", 0);
        small.setMaxConnections(2);
        ListenerConfig other = new ListenerConfig("other", Transport.TCP, "127.0.0.1", 0);
        try (TestBroker broker = TestBroker.start(c -> c.setListeners(List.of(small, other)))) {
            int port = broker.broker.port("small");
            Mqtt5BlockingClient first = client(port, "first");
            Mqtt5BlockingClient second = client(port, "second");
            assertThat(connectResult(first)).isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
            assertThat(connectResult(second)).isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
            assertThat(connectResult(client(port, "third"))).isEqualTo(Mqtt5ConnAckReasonCode.QUOTA_EXCEEDED);
            assertThat(connectResult(client(broker.broker.port("other"), "elsewhere")))
                    .isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
            assertThat(broker.metrics.meter(LimitMetrics.MAX_CONNECTIONS).getCount()).isEqualTo(1);

            first.disconnect();
            await().until(() -> connectResult(client(port, "third-again")) == Mqtt5ConnAckReasonCode.SUCCESS);
            assertThat(second.getState().isConnected()).isTrue();
        }
    }

    @Test
    void mqtt311ClientOverTheConnectionMaximumGetsServerUnavailable() throws Exception {
        ListenerConfig tiny = new ListenerConfig("tiny", Transport.TCP, "127.0.0.1", 0);
        tiny.setMaxConnections(1);
        try (TestBroker broker = TestBroker.start(c -> c.setListeners(List.of(tiny)))) {
            org.eclipse.paho.client.mqttv3.MqttClient first = new org.eclipse.paho.client.mqttv3.MqttClient(
                    broker.tcpUri(), "first", new MemoryPersistence());
            first.connect();
            org.eclipse.paho.client.mqttv3.MqttClient second = new org.eclipse.paho.client.mqttv3.MqttClient(
                    broker.tcpUri(), "second", new MemoryPersistence());
            assertThatThrownBy(second::connect).isInstanceOf(MqttException.class)
                    .satisfies(e -> assertThat(((MqttException) e).getReasonCode())
                            .isEqualTo((int) MqttException.REASON_CODE_BROKER_UNAVAILABLE));
            first.disconnect();
            first.close();
            second.close();
        }
    }

    @Test
    void connectsFromOneAddressAboveTheRateAreRefusedWithConnectionRateExceededAndLaterAccepted() {
        try (TestBroker broker = TestBroker.start(c -> {
            c.getLimits().setConnectRatePerAddress(1);
            c.getLimits().setConnectBurstPerAddress(2);
        })) {
            assertThat(connectResult(client(broker.port(), "a"))).isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
            assertThat(connectResult(client(broker.port(), "b"))).isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
            assertThat(connectResult(client(broker.port(), "c")))
                    .isEqualTo(Mqtt5ConnAckReasonCode.CONNECTION_RATE_EXCEEDED);
            assertThat(broker.metrics.meter(LimitMetrics.CONNECT_RATE).getCount()).isPositive();
            await().atMost(10, TimeUnit.SECONDS).pollInterval(300, TimeUnit.MILLISECONDS)
                    .until(() -> connectResult(client(broker.port(), "c")) == Mqtt5ConnAckReasonCode.SUCCESS);
        }
    }

    @Test
    void clientPublishingAboveItsMessageRateIsDisconnectedWith0x96WhileOthersStayConnected() throws Exception {
        try (TestBroker broker = TestBroker.start(c -> {
            c.getLimits().setPublishRatePerClient(1);
            c.getLimits().setPublishBurstPerClient(3);
        })) {
            CompletableFuture<Throwable> floodEnded = new CompletableFuture<>();
            Mqtt5BlockingClient flooder = client(broker.port(), "flooder", floodEnded);
            flooder.connect();
            Mqtt5BlockingClient calm = client(broker.port(), "calm");
            calm.connect();
            calm.publishWith().topic("t/calm").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[] {1}).send();
            for (int i = 0; i < 50 && !floodEnded.isDone(); i++) {
                publishIgnoringClose(flooder, "t/flood", new byte[] {1});
            }
            Throwable cause = floodEnded.get(10, TimeUnit.SECONDS);
            assertThat(((Mqtt5DisconnectException) cause).getMqttMessage().getReasonCode())
                    .isEqualTo(Mqtt5DisconnectReasonCode.MESSAGE_RATE_TOO_HIGH);
            assertThat(broker.metrics.meter(LimitMetrics.PUBLISH_RATE).getCount()).isEqualTo(1);
            assertThat(calm.getState().isConnected()).isTrue();
            calm.publishWith().topic("t/calm").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[] {1}).send();

            Mqtt5BlockingClient back = client(broker.port(), "flooder");
            back.connect();
            back.publishWith().topic("t/again").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[] {1}).send();
            back.disconnect();
            calm.disconnect();
        }
    }

    @Test
    void clientPublishingAboveItsByteRateIsDisconnectedWithQuotaExceeded() throws Exception {
        try (TestBroker broker = TestBroker.start(c -> c.getLimits().setPublishBytesPerSecondPerClient(1_000))) {
            CompletableFuture<Throwable> ended = new CompletableFuture<>();
            Mqtt5BlockingClient heavy = client(broker.port(), "heavy", ended);
            heavy.connect();
            for (int i = 0; i < 20 && !ended.isDone(); i++) {
                publishIgnoringClose(heavy, "t/heavy", new byte[600]);
            }
            Throwable cause = ended.get(10, TimeUnit.SECONDS);
            assertThat(((Mqtt5DisconnectException) cause).getMqttMessage().getReasonCode())
                    .isEqualTo(Mqtt5DisconnectReasonCode.QUOTA_EXCEEDED);
            assertThat(broker.metrics.meter(LimitMetrics.PUBLISH_BYTES).getCount()).isEqualTo(1);
        }
    }

    @Test
    void subscriptionsAboveTheMaximumGetQuotaExceededAndFreeSlotsCanBeReused() {
        try (TestBroker broker = TestBroker.start(c -> c.getLimits().setMaxSubscriptionsPerClient(2))) {
            Mqtt5BlockingClient client = client(broker.port(), "subscriber");
            client.connect();
            client.subscribeWith().topicFilter("a").send();
            client.subscribeWith().topicFilter("b").send();
            Mqtt5SubAck refused;
            try {
                refused = client.subscribeWith().topicFilter("c").send();
            } catch (Mqtt5SubAckException e) {
                refused = e.getMqttMessage();
            }
            assertThat(refused.getReasonCodes()).containsExactly(Mqtt5SubAckReasonCode.QUOTA_EXCEEDED);
            Mqtt5SubAck again = client.subscribeWith().topicFilter("a").qos(MqttQos.AT_LEAST_ONCE).send();
            assertThat(again.getReasonCodes()).containsExactly(Mqtt5SubAckReasonCode.GRANTED_QOS_1);
            assertThat(broker.metrics.meter(LimitMetrics.SUBSCRIPTIONS).getCount()).isEqualTo(1);
            assertThat(broker.broker.subscriptionsOf("subscriber")).hasSize(2);

            client.unsubscribeWith().topicFilter("a").send();
            Mqtt5SubAck recovered = client.subscribeWith().topicFilter("c").send();
            assertThat(recovered.getReasonCodes()).containsExactly(Mqtt5SubAckReasonCode.GRANTED_QOS_2);
            client.disconnect();
        }
    }

    @Test
    void repeatedFailedLoginsFromAnAddressAreBannedForAWhileThenAcceptedAgain() {
        Authenticator passwords = request -> CompletableFuture.completedFuture(
                "good".equals(new String(request.password(), StandardCharsets.UTF_8))
                        ? AuthenticationResult.success(new DeviceIdentity("u", "u", request.clientId(), null))
                        : AuthenticationResult.refused(AuthenticationResult.Refusal.BAD_USERNAME_OR_PASSWORD));
        try (TestBroker broker = new TestBroker(c -> {
            c.getLimits().setAuthFailuresBeforeBackoff(2);
            c.getLimits().setAuthBackoffInitialMillis(1_000);
        }, passwords, Authorizer.ALLOW_ALL, PublishSink.NONE, SessionListener.NONE)) {
            assertThat(connectResult(client(broker.port(), "g1"), "bad"))
                    .isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
            assertThat(connectResult(client(broker.port(), "g2"), "bad"))
                    .isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
            assertThat(connectResult(client(broker.port(), "g3"), "good")).isEqualTo(Mqtt5ConnAckReasonCode.BANNED);
            assertThat(broker.metrics.meter(LimitMetrics.AUTH_BACKOFF).getCount()).isEqualTo(1);
            await().atMost(10, TimeUnit.SECONDS).pollInterval(200, TimeUnit.MILLISECONDS)
                    .until(() -> connectResult(client(broker.port(), "g4"), "good") == Mqtt5ConnAckReasonCode.SUCCESS);
        }
    }

    @Test
    void failedLoginsOfOneUserNameNeitherLockOutNorAreClearedByAnotherIdentityFromTheSameAddress() {
        Authenticator passwords = request -> CompletableFuture.completedFuture(
                "good".equals(new String(request.password(), StandardCharsets.UTF_8))
                        ? AuthenticationResult.success(new DeviceIdentity(request.username(), request.username(), request.clientId(), null))
                        : AuthenticationResult.refused(AuthenticationResult.Refusal.BAD_USERNAME_OR_PASSWORD));
        try (TestBroker broker = new TestBroker(c -> {
            c.getLimits().setAuthFailuresBeforeBackoff(2);
            c.getLimits().setAuthBackoffInitialMillis(60_000);
        }, passwords, Authorizer.ALLOW_ALL, PublishSink.NONE, SessionListener.NONE)) {
            assertThat(connectResult(client(broker.port(), "v1"), "victim", "guess-1"))
                    .isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
            assertThat(connectResult(client(broker.port(), "v2"), "victim", "guess-2"))
                    .isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
            Mqtt5BlockingClient attacker = client(broker.port(), "a1");
            assertThat(connectResult(attacker, "attacker", "good")).isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
            attacker.disconnect();
            assertThat(connectResult(client(broker.port(), "v3"), "victim", "good")).isEqualTo(Mqtt5ConnAckReasonCode.BANNED);
        }
    }
}
