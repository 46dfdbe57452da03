package io.mqttbridge.broker.handler.connect;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.mqttbridge.broker.e2e.TestBroker;
import io.mqttbridge.broker.spi.AuthenticationResult;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.DeviceIdentity;
import io.mqttbridge.broker.spi.PublishSink;
import io.mqttbridge.broker.spi.SessionListener;
import io.mqttbridge.broker.spi.TopicPermissions;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** An authentication result that carries the identity's permissions is not authorized again. */
class PermissionsWithAuthenticationTest {

    private static final TopicPermissions ONLY_ALLOWED_TOPIC = new TopicPermissions() {
        @Override
        public boolean mayPublish(String topicName) {
            return topicName.equals("allowed");
        }

        @Override
        public boolean maySubscribe(String topicFilter) {
            return topicFilter.equals("allowed");
        }
    };

    @Test
    void permissionsThatComeWithTheIdentityDecideAndTheAuthorizerIsNotAsked() {
        AtomicInteger authorizerCalls = new AtomicInteger();
        Authorizer countingAllowAll = identity -> {
            authorizerCalls.incrementAndGet();
            return CompletableFuture.completedFuture(TopicPermissions.ALLOW_ALL);
        };
        Authenticator withPermissions = request -> CompletableFuture.completedFuture(AuthenticationResult.success(
                new DeviceIdentity("d-1", request.username(), request.clientId(), null), null, ONLY_ALLOWED_TOPIC));
        try (TestBroker broker = new TestBroker(c -> { }, withPermissions, countingAllowAll, PublishSink.NONE,
                SessionListener.NONE)) {
            Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier("d-1")
                    .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
            client.connect();

            client.publishWith().topic("allowed").payload(bytes("ok")).qos(MqttQos.AT_LEAST_ONCE).send();
            assertThatThrownBy(() -> client.publishWith().topic("elsewhere").payload(bytes("no"))
                    .qos(MqttQos.AT_LEAST_ONCE).send())
                    .isInstanceOf(Mqtt5PubAckException.class)
                    .satisfies(e -> assertThat(((Mqtt5PubAckException) e).getMqttMessage().getReasonCode())
                            .isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED));
            client.disconnect();
        }
        assertThat(authorizerCalls).hasValue(0);
    }

    @Test
    void withoutPermissionsTheAuthorizerIsAskedOnce() {
        AtomicInteger authorizerCalls = new AtomicInteger();
        Authorizer counting = identity -> {
            authorizerCalls.incrementAndGet();
            return CompletableFuture.completedFuture(TopicPermissions.ALLOW_ALL);
        };
        try (TestBroker broker = new TestBroker(c -> { }, Authenticator.ALLOW_ALL, counting, PublishSink.NONE,
                SessionListener.NONE)) {
            Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier("d-2")
                    .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
            client.connect();
            client.publishWith().topic("anything").payload(bytes("ok")).qos(MqttQos.AT_LEAST_ONCE).send();
            client.disconnect();
        }
        assertThat(authorizerCalls).hasValue(1);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
