package io.mqttbridge.broker.security;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import io.mqttbridge.broker.e2e.TestBroker;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.spi.AuthenticationResult;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.ClientIdBinding;
import io.mqttbridge.broker.spi.ConnectionInfo;
import io.mqttbridge.broker.spi.DeviceIdentity;
import io.mqttbridge.broker.spi.PublishSink;
import io.mqttbridge.broker.spi.SessionListener;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A device must never act as another: the client id is bound to the authenticated identity, and a
 * session created by an identity cannot be resumed or taken over by another identity or an
 * anonymous client. Real clients (HiveMQ for 5.0, Paho for 3.1.1) over real sockets.
 */
class ClientIdBindingEndToEndTest {

    private final List<String> connectedEvents = new CopyOnWriteArrayList<>();
    private TestBroker broker;

    /** User name = device id, password "pw-" + device id; no user name = anonymous. */
    private static Authenticator devices(ClientIdBinding binding) {
        return request -> {
            if (request.username() == null) {
                return CompletableFuture.completedFuture(
                        AuthenticationResult.success(DeviceIdentity.anonymous(request.clientId())));
            }
            String password = request.password() == null ? "" : new String(request.password(), StandardCharsets.UTF_8);
            if (!password.equals("pw-" + request.username())) {
                return CompletableFuture.completedFuture(
                        AuthenticationResult.refused(AuthenticationResult.Refusal.BAD_USERNAME_OR_PASSWORD));
            }
            if (!binding.allows(request.username(), request.clientId())) {
                return CompletableFuture.completedFuture(
                        AuthenticationResult.refused(AuthenticationResult.Refusal.CLIENT_ID_NOT_ALLOWED));
            }
            return CompletableFuture.completedFuture(AuthenticationResult.success(
                    new DeviceIdentity(request.username(), request.username(), request.clientId(), List.of())));
        };
    }

    private void start(ClientIdBinding binding) {
        SessionListener listener = new SessionListener() {
            @Override
            public void onConnected(ConnectionInfo connection) {
                connectedEvents.add(connection.clientId() + "/" + connection.identity().deviceId());
            }
        };
        broker = new TestBroker(c -> { }, devices(binding), Authorizer.ALLOW_ALL, PublishSink.NONE, listener);
    }

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private Mqtt5BlockingClient client(String clientId) {
        return MqttClient.builder().useMqttVersion5().identifier(clientId).serverHost("127.0.0.1")
                .serverPort(broker.port()).buildBlocking();
    }

    private static Mqtt5ConnAck connectAs(Mqtt5BlockingClient client, String device, boolean cleanStart) {
        var connect = client.connectWith().cleanStart(cleanStart).sessionExpiryInterval(300);
        if (device != null) {
            connect.simpleAuth().username(device).password(("pw-" + device).getBytes(StandardCharsets.UTF_8)).applySimpleAuth();
        }
        return connect.send();
    }

    private static Mqtt5ConnAckReasonCode refusal(Runnable connect) {
        try {
            connect.run();
        } catch (Mqtt5ConnAckException e) {
            return e.getMqttMessage().getReasonCode();
        }
        throw new AssertionError("the connection was accepted");
    }

    private long clientIdRefusals() {
        return broker.metrics.meter(BrokerMetrics.CONNECTS_REFUSED_CLIENT_ID).getCount();
    }

    @Test
    void deviceUsingAnotherDevicesClientIdIsRefusedWith0x85AndTheOtherKeepsItsConnectionAndSession() {
        start(ClientIdBinding.EQUAL_TO_IDENTITY);
        Mqtt5BlockingClient victim = client("sensor-2");
        connectAs(victim, "sensor-2", true);
        victim.subscribeWith().topicFilter("sensors/sensor-2/cmd").send();

        Mqtt5BlockingClient attacker = client("sensor-2");
        assertThat(refusal(() -> connectAs(attacker, "sensor-1", false)))
                .isEqualTo(Mqtt5ConnAckReasonCode.CLIENT_IDENTIFIER_NOT_VALID);

        assertThat(victim.getState().isConnected()).isTrue();
        assertThat(broker.broker.connection("sensor-2")).get()
                .satisfies(info -> assertThat(info.identity().deviceId()).isEqualTo("sensor-2"));
        assertThat(broker.broker.subscriptionsOf("sensor-2")).hasSize(1);
        assertThat(connectedEvents).containsExactly("sensor-2/sensor-2");
        assertThat(clientIdRefusals()).isEqualTo(1);
        victim.disconnect();
    }

    @Test
    void mqtt311DeviceUsingAnotherDevicesClientIdIsRefusedWithCode2() throws Exception {
        start(ClientIdBinding.EQUAL_TO_IDENTITY);
        org.eclipse.paho.client.mqttv3.MqttClient attacker = new org.eclipse.paho.client.mqttv3.MqttClient(
                broker.tcpUri(), "sensor-2", new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(false);
        options.setUserName("sensor-1");
        options.setPassword("pw-sensor-1".toCharArray());
        assertThatThrownBy(() -> attacker.connect(options)).isInstanceOf(MqttException.class)
                .satisfies(e -> assertThat(((MqttException) e).getReasonCode())
                        .isEqualTo(MqttException.REASON_CODE_INVALID_CLIENT_ID));
        attacker.close();
        assertThat(broker.broker.sessionCount()).isZero();
        assertThat(connectedEvents).isEmpty();
    }

    @Test
    void clientIdTemplateLetsADeviceUseDerivedIdsOnly() {
        start(ClientIdBinding.parse("%u-*", "test"));
        Mqtt5BlockingClient own = client("sensor-1-a");
        assertThat(connectAs(own, "sensor-1", true).getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
        own.disconnect();
        assertThat(refusal(() -> connectAs(client("sensor-2-a"), "sensor-1", true)))
                .isEqualTo(Mqtt5ConnAckReasonCode.CLIENT_IDENTIFIER_NOT_VALID);
    }

    @Test
    void anonymousClientCannotTakeOverOrResumeASessionCreatedByAnAuthenticatedIdentity() {
        start(ClientIdBinding.FREE);
        Mqtt5BlockingClient owner = client("shared-id");
        connectAs(owner, "sensor-1", false);
        owner.subscribeWith().topicFilter("private/#").send();

        // Online: no takeover.
        assertThat(refusal(() -> connectAs(client("shared-id"), null, false)))
                .isEqualTo(Mqtt5ConnAckReasonCode.CLIENT_IDENTIFIER_NOT_VALID);
        assertThat(refusal(() -> connectAs(client("shared-id"), null, true)))
                .isEqualTo(Mqtt5ConnAckReasonCode.CLIENT_IDENTIFIER_NOT_VALID);
        assertThat(owner.getState().isConnected()).isTrue();

        // Offline: no resume of its subscriptions, and another identity cannot either.
        owner.disconnect();
        assertThat(refusal(() -> connectAs(client("shared-id"), null, false)))
                .isEqualTo(Mqtt5ConnAckReasonCode.CLIENT_IDENTIFIER_NOT_VALID);
        assertThat(refusal(() -> connectAs(client("shared-id"), "sensor-9", false)))
                .isEqualTo(Mqtt5ConnAckReasonCode.CLIENT_IDENTIFIER_NOT_VALID);
        assertThat(broker.broker.subscriptionsOf("shared-id")).hasSize(1);

        // The owner still resumes it.
        Mqtt5BlockingClient again = client("shared-id");
        assertThat(connectAs(again, "sensor-1", false).isSessionPresent()).isTrue();
        again.disconnect();
        assertThat(connectedEvents).containsExactly("shared-id/sensor-1", "shared-id/sensor-1");
        assertThat(clientIdRefusals()).isEqualTo(4);
    }

    @Test
    void aDeviceDoesNotInheritTheSessionAnAnonymousClientLeftUnderItsClientId() {
        start(ClientIdBinding.EQUAL_TO_IDENTITY);
        Mqtt5BlockingClient squatter = client("sensor-3");
        connectAs(squatter, null, false);
        squatter.subscribeWith().topicFilter("planted/#").send();
        squatter.disconnect();
        assertThat(broker.broker.subscriptionsOf("sensor-3")).hasSize(1);

        Mqtt5BlockingClient device = client("sensor-3");
        assertThat(connectAs(device, "sensor-3", false).isSessionPresent()).as("session present").isFalse();
        assertThat(broker.broker.subscriptionsOf("sensor-3")).as("the planted subscription").isEmpty();
        device.disconnect();
        // From now on the session is the device's: the anonymous client can no longer resume it.
        assertThat(refusal(() -> connectAs(client("sensor-3"), null, false)))
                .isEqualTo(Mqtt5ConnAckReasonCode.CLIENT_IDENTIFIER_NOT_VALID);
    }

    @Test
    void theOwnerOfAPersistentSessionHoldsAcrossABrokerRestart() {
        io.mqttbridge.broker.session.InMemorySessionStore store = new io.mqttbridge.broker.session.InMemorySessionStore();
        try (TestBroker first = new TestBroker(c -> { }, devices(ClientIdBinding.FREE), Authorizer.ALLOW_ALL,
                PublishSink.NONE, SessionListener.NONE, store)) {
            broker = first;
            Mqtt5BlockingClient owner = client("kept-id");
            connectAs(owner, "sensor-1", false);
            owner.subscribeWith().topicFilter("private/#").send();
            owner.disconnect();
        }
        broker = new TestBroker(c -> { }, devices(ClientIdBinding.FREE), Authorizer.ALLOW_ALL, PublishSink.NONE,
                SessionListener.NONE, store);
        assertThat(broker.broker.subscriptionsOf("kept-id")).hasSize(1);
        assertThat(refusal(() -> connectAs(client("kept-id"), null, false)))
                .isEqualTo(Mqtt5ConnAckReasonCode.CLIENT_IDENTIFIER_NOT_VALID);
        assertThat(refusal(() -> connectAs(client("kept-id"), "sensor-9", true)))
                .isEqualTo(Mqtt5ConnAckReasonCode.CLIENT_IDENTIFIER_NOT_VALID);
        Mqtt5BlockingClient again = client("kept-id");
        assertThat(connectAs(again, "sensor-1", false).isSessionPresent()).isTrue();
        again.disconnect();
    }
}
