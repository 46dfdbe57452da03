package io.mqttbridge.broker.auth.jwt;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.mqttbridge.broker.e2e.TestBroker;
import io.mqttbridge.broker.spi.PublishSink;
import io.mqttbridge.broker.spi.SessionListener;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class JwtEndToEndTest {

    @TempDir
    static Path dir;
    static TestTokens tokens;
    static JwtAuthConfig config;
    JwtAuthenticator authenticator;
    TestBroker broker;

    @BeforeAll
    static void keys() throws Exception {
        tokens = new TestTokens();
        Path jwks = dir.resolve("jwks.json");
        Files.writeString(jwks, tokens.publicJwks());
        config = new JwtAuthConfig();
        config.setJwksFile(jwks.toString());
        config.setIssuer(TestTokens.ISSUER);
        config.setAudiences(List.of(TestTokens.AUDIENCE));
        config.setClockSkewSeconds(0);
        config.setClientIdPattern("*");
    }

    @BeforeEach
    void start() {
        authenticator = new JwtAuthenticator(config);
        broker = new TestBroker(c -> { }, authenticator, new JwtAuthorizer(config), PublishSink.NONE, SessionListener.NONE);
    }

    @AfterEach
    void stop() {
        broker.close();
        authenticator.close();
    }

    private Mqtt5BlockingClient client(String id) {
        return MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1").serverPort(broker.port())
                .buildBlocking();
    }

    private static void connect(Mqtt5BlockingClient client, String token) {
        client.connectWith().simpleAuth().password(token.getBytes(StandardCharsets.US_ASCII)).applySimpleAuth().send();
    }

    private static Mqtt5ConnAckReasonCode refusal(Mqtt5BlockingClient client, String token) {
        try {
            connect(client, token);
            client.disconnect();
            return Mqtt5ConnAckReasonCode.SUCCESS;
        } catch (Mqtt5ConnAckException e) {
            return e.getMqttMessage().getReasonCode();
        }
    }

    @Test
    void validTokenConnectsAndExpiredWrongIssuerAndWrongSignatureAreRefusedWith0x86() throws Exception {
        assertThat(refusal(client("good"), tokens.rs256(TestTokens.claims("d").build())))
                .isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
        assertThat(refusal(client("expired"), tokens.rs256(TestTokens.with("d",
                c -> c.expirationTime(Date.from(Instant.now().minusSeconds(60)))))))
                .isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
        assertThat(refusal(client("issuer"), tokens.rs256(TestTokens.with("d", c -> c.issuer("https://evil.test")))))
                .isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
        assertThat(refusal(client("signature"), tokens.rs256WithOtherKey(TestTokens.claims("d").build())))
                .isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
    }

    @Test
    void aclFromTheTokenAllowsOwnTopicAndRefusesOthersWith0x87() throws Exception {
        Mqtt5BlockingClient device = client("dev-1");
        connect(device, tokens.rs256(TestTokens.with("dev-1",
                c -> c.claim("mqtt_acl", List.of("publish devices/%c/up", "subscribe devices/%c/down")))));
        device.publishWith().topic("devices/dev-1/up").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[] {1}).send();
        assertThatThrownBy(() -> device.publishWith().topic("devices/dev-2/up").qos(MqttQos.AT_LEAST_ONCE)
                .payload(new byte[] {1}).send())
                .isInstanceOf(Mqtt5PubAckException.class)
                .satisfies(e -> assertThat(((Mqtt5PubAckException) e).getMqttMessage().getReasonCode())
                        .isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED));
        device.disconnect();
    }

    @Test
    void mqtt5ConnectionIsDisconnectedWithMaximumConnectTimeWhenItsTokenExpires() throws Exception {
        CompletableFuture<Throwable> disconnected = new CompletableFuture<>();
        Mqtt5BlockingClient device = MqttClient.builder().useMqttVersion5().identifier("short-lived")
                .serverHost("127.0.0.1").serverPort(broker.port())
                .addDisconnectedListener(context -> disconnected.complete(context.getCause()))
                .buildBlocking();
        connect(device, tokens.rs256(TestTokens.with("d",
                c -> c.expirationTime(Date.from(Instant.now().plusSeconds(2))))));
        Throwable cause = disconnected.get(15, TimeUnit.SECONDS);
        assertThat(cause).isInstanceOf(Mqtt5DisconnectException.class);
        assertThat(((Mqtt5DisconnectException) cause).getMqttMessage().getReasonCode())
                .isEqualTo(Mqtt5DisconnectReasonCode.MAXIMUM_CONNECT_TIME);
        Mqtt5BlockingClient other = client("long-lived");
        connect(other, tokens.rs256(TestTokens.claims("d").build()));
        assertThat(other.getState().isConnected()).isTrue();
        other.disconnect();
    }

    @Test
    void mqtt311ConnectionIsClosedWhenItsTokenExpires() throws Exception {
        org.eclipse.paho.client.mqttv3.MqttClient paho = new org.eclipse.paho.client.mqttv3.MqttClient(
                broker.tcpUri(),
                "paho-short", new MemoryPersistence());
        CompletableFuture<Throwable> lost = new CompletableFuture<>();
        paho.setCallback(new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
                lost.complete(cause);
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
            }
        });
        MqttConnectOptions options = new MqttConnectOptions();
        options.setUserName("ignored");
        options.setPassword(tokens.rs256(TestTokens.with("d",
                c -> c.expirationTime(Date.from(Instant.now().plusSeconds(2))))).toCharArray());
        paho.connect(options);
        assertThat(paho.isConnected()).isTrue();
        assertThat(lost.get(15, TimeUnit.SECONDS)).isNotNull();
        await().until(() -> !paho.isConnected());
        paho.close();
    }
}
