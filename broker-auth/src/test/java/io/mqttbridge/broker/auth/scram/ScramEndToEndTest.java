package io.mqttbridge.broker.auth.scram;

import com.codahale.metrics.MetricRegistry;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.broker.MqttBroker;
import io.mqttbridge.broker.retained.InMemoryRetainedStore;
import io.mqttbridge.broker.session.InMemorySessionStore;
import io.mqttbridge.broker.spi.AclRule;
import io.mqttbridge.broker.spi.AclRuleSet;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.AuthenticationResult;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.PublishSink;
import io.mqttbridge.broker.spi.SessionListener;
import io.mqttbridge.testing.mqtt.RawMqttClient;
import io.mqttbridge.testing.scram.HiveMqScramMechanism;
import io.mqttbridge.testing.scram.ScramClient;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** MQTT 5 enhanced authentication with SCRAM over real sockets, with the HiveMQ client and raw packets. */
class ScramEndToEndTest {

    private final InMemoryScramCredentials credentials = new InMemoryScramCredentials();
    private MqttBroker broker;

    @BeforeEach
    void start() {
        BrokerConfig config = new BrokerConfig();
        config.setHost("127.0.0.1");
        config.setPort(0);
        config.setWorkerThreads(2);
        config.getLimits().setAuthFailuresBeforeBackoff(3);
        config.getLimits().setAuthBackoffInitialMillis(60_000);
        // Password logins are refused: only the AUTH exchange lets anyone in.
        Authenticator noPasswords = request -> CompletableFuture.completedFuture(
                AuthenticationResult.refused(AuthenticationResult.Refusal.BAD_USERNAME_OR_PASSWORD));
        // Each device may use its own subtree and the Response Information the broker hands it.
        Authorizer rules = identity -> CompletableFuture.completedFuture(AclRuleSet.forIdentity(List.of(
                new AclRule(AclRule.Permission.ALLOW, AclRule.Action.ALL, "devices/%u/#"),
                new AclRule(AclRule.Permission.ALLOW, AclRule.Action.ALL, "responses/%c/#")), identity));
        broker = new MqttBroker(config, noPasswords, rules, PublishSink.NONE, SessionListener.NONE,
                new InMemorySessionStore(), new InMemoryRetainedStore(), new MetricRegistry())
                .enhancedAuthentication(new ScramAuthenticator(credentials));
        broker.start();
        credentials.setPassword("device-1", "s3cret");
    }

    @AfterEach
    void stop() {
        broker.stop();
    }

    private Mqtt5BlockingClient client(HiveMqScramMechanism mechanism) {
        return MqttClient.builder().useMqttVersion5().identifier("device-1").serverHost("127.0.0.1")
                .serverPort(broker.port()).enhancedAuth(mechanism).buildBlocking();
    }

    @ParameterizedTest
    @ValueSource(strings = {"SCRAM-SHA-256", "SCRAM-SHA-512"})
    void aDeviceWithTheRightPasswordConnectsAndVerifiesTheServer(String method) {
        HiveMqScramMechanism mechanism = new HiveMqScramMechanism(method, "device-1", "s3cret");
        Mqtt5BlockingClient client = client(mechanism);

        Mqtt5ConnAck connAck = client.connect();

        assertThat(connAck.getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
        assertThat(mechanism.serverVerified).hasValue(1);
        assertThat(connAck.getEnhancedAuth().orElseThrow().getMethod().toString()).isEqualTo(method);
        client.disconnect();
    }

    @Test
    void aWrongPasswordGetsBadUserNameOrPassword() {
        Mqtt5BlockingClient client = client(new HiveMqScramMechanism("SCRAM-SHA-256", "device-1", "guess"));

        assertThatThrownBy(client::connect).isInstanceOfSatisfying(Mqtt5ConnAckException.class, e ->
                assertThat(e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD));
    }

    @Test
    void repeatedWrongProofsBackOffTheNamelessScramLoginsOfThatAddressEvenWithTheRightPassword() {
        credentials.setPassword("device-2", "other");
        for (int i = 0; i < 3; i++) {
            Mqtt5BlockingClient guess = client(new HiveMqScramMechanism("SCRAM-SHA-256", "device-1", "guess-" + i));
            assertThatThrownBy(guess::connect).isInstanceOfSatisfying(Mqtt5ConnAckException.class, e ->
                    assertThat(e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD));
        }

        Mqtt5BlockingClient right = client(new HiveMqScramMechanism("SCRAM-SHA-256", "device-1", "s3cret"));
        assertThatThrownBy(right::connect).isInstanceOfSatisfying(Mqtt5ConnAckException.class, e ->
                assertThat(e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.BANNED));
        // The guesser's own device cannot log in from there either, so it cannot clear the record.
        Mqtt5BlockingClient own = MqttClient.builder().useMqttVersion5().identifier("device-2").serverHost("127.0.0.1")
                .serverPort(broker.port()).enhancedAuth(new HiveMqScramMechanism("SCRAM-SHA-256", "device-2", "other"))
                .buildBlocking();
        assertThatThrownBy(own::connect).isInstanceOfSatisfying(Mqtt5ConnAckException.class, e ->
                assertThat(e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.BANNED));
    }

    @Test
    void anUnknownMethodGetsBadAuthenticationMethod() {
        Mqtt5BlockingClient client = client(new HiveMqScramMechanism("KERBEROS", "device-1", "s3cret"));

        assertThatThrownBy(client::connect).isInstanceOfSatisfying(Mqtt5ConnAckException.class, e ->
                assertThat(e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.BAD_AUTHENTICATION_METHOD));
    }

    @Test
    void reauthenticationWithTheSamePasswordKeepsTheConnection() throws Exception {
        HiveMqScramMechanism mechanism = new HiveMqScramMechanism("SCRAM-SHA-512", "device-1", "s3cret");
        Mqtt5BlockingClient client = client(mechanism);
        client.connect();

        client.toAsync().reauth().get(10, TimeUnit.SECONDS);

        assertThat(mechanism.reauthSucceeded).hasValue(1);
        assertThat(client.getState().isConnected()).isTrue();
        client.publishWith().topic("devices/device-1/up").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[] {1}).send();
        client.disconnect();
    }

    @Test
    void reauthenticationAfterThePasswordChangedEndsTheConnectionWithNotAuthorized() throws Exception {
        HiveMqScramMechanism mechanism = new HiveMqScramMechanism("SCRAM-SHA-256", "device-1", "s3cret");
        Mqtt5BlockingClient client = client(mechanism);
        client.connect();
        credentials.setPassword("device-1", "rotated");

        client.toAsync().reauth().handle((ok, error) -> null).get(10, TimeUnit.SECONDS);

        await().atMost(10, TimeUnit.SECONDS).until(() -> mechanism.reauthRejected.get() != null);
        assertThat(mechanism.reauthRejected.get().getReasonCode()).isEqualTo(Mqtt5DisconnectReasonCode.NOT_AUTHORIZED);
        await().atMost(10, TimeUnit.SECONDS).until(() -> !client.getState().isConnected());
    }

    @Test
    void requestedResponseInformationNamesATopicTheDeviceMayUse() throws Exception {
        HiveMqScramMechanism mechanism = new HiveMqScramMechanism("SCRAM-SHA-256", "device-1", "s3cret");
        Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier("device-1").serverHost("127.0.0.1")
                .serverPort(broker.port()).enhancedAuth(mechanism).buildBlocking();

        Mqtt5ConnAck connAck = client.connectWith().restrictions().requestResponseInformation(true).applyRestrictions().send();

        String prefix = connAck.getResponseInformation().orElseThrow().toString();
        assertThat(prefix).isEqualTo("responses/device-1");
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = client.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
            client.subscribeWith().topicFilter(prefix + "/#").qos(MqttQos.AT_LEAST_ONCE).send();
            client.publishWith().topic(prefix + "/r1").qos(MqttQos.AT_LEAST_ONCE).payload("answer".getBytes()).send();
            Mqtt5Publish received = publishes.receive(10, TimeUnit.SECONDS).orElseThrow();
            assertThat(received.getTopic().toString()).isEqualTo(prefix + "/r1");
        }
        client.disconnect();
    }

    @Test
    void anAuthPacketOutOfTurnDuringConnectClosesTheConnection() throws Exception {
        // By hand: CONNECT with the client-first message, the server's challenge, then an AUTH out of turn.
        try (RawMqttClient raw = new RawMqttClient(broker.port())) {
            ScramClient scram = new ScramClient("SCRAM-SHA-256", "device-1", "s3cret");
            MqttProperties properties = new MqttProperties();
            properties.add(new MqttProperties.StringProperty(MqttProperties.AUTHENTICATION_METHOD, "SCRAM-SHA-256"));
            properties.add(new MqttProperties.BinaryProperty(MqttProperties.AUTHENTICATION_DATA,
                    scram.clientFirst().getBytes(StandardCharsets.UTF_8)));
            raw.send(MqttMessageBuilders.connect().clientId("device-1").protocolVersion(MqttVersion.MQTT_5)
                    .cleanSession(true).properties(properties).build());
            RawMqttClient.Packet challenge = raw.read();
            assertThat(challenge.type()).isEqualTo(15); // AUTH
            assertThat(challenge.body()[0] & 0xFF).isEqualTo(0x18);
            // A second CONNECT-phase AUTH with reason 0x19 instead of 0x18 is a protocol error: closed.
            MqttProperties again = new MqttProperties();
            again.add(new MqttProperties.StringProperty(MqttProperties.AUTHENTICATION_METHOD, "SCRAM-SHA-256"));
            raw.send(MqttMessageBuilders.auth().reasonCode((byte) 0x19).properties(again).build());
            assertThat(raw.readUntilClosed()).isEmpty();
        }
    }
}
