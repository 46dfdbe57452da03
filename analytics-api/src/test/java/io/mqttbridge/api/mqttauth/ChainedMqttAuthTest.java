package io.mqttbridge.api.mqttauth;

import io.mqttbridge.broker.spi.AuthenticationRequest;
import io.mqttbridge.broker.spi.AuthenticationResult;
import io.mqttbridge.broker.spi.AuthenticationResult.Refusal;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.DeviceIdentity;
import io.mqttbridge.broker.spi.MqttVersion;
import io.mqttbridge.broker.spi.TopicPermissions;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class ChainedMqttAuthTest {

    private static AuthenticationRequest request(String username, String password) {
        return new AuthenticationRequest("client-1", username,
                password == null ? null : password.getBytes(StandardCharsets.UTF_8),
                new InetSocketAddress("127.0.0.1", 40000), null, MqttVersion.MQTT_5);
    }

    /** Knows one user with one password; everything else is "bad user name or password". */
    private static Authenticator knowing(String username, String password) {
        return request -> CompletableFuture.completedFuture(
                username.equals(request.username()) && password.equals(new String(request.password(), StandardCharsets.UTF_8))
                        ? AuthenticationResult.success(new DeviceIdentity(username, username, request.clientId(), null))
                        : AuthenticationResult.refused(Refusal.BAD_USERNAME_OR_PASSWORD));
    }

    private static Authorizer allowingOnly(String topic) {
        return identity -> CompletableFuture.completedFuture(new TopicPermissions() {
            @Override
            public boolean mayPublish(String topicName) {
                return topicName.equals(topic);
            }

            @Override
            public boolean maySubscribe(String topicFilter) {
                return topicFilter.equals(topic);
            }
        });
    }

    private final ChainedMqttAuth chain = new ChainedMqttAuth(List.of(
            new ChainedMqttAuth.Method("registry", knowing("dev-1", "pw1"), allowingOnly("registry/topic")),
            new ChainedMqttAuth.Method("file", knowing("ops", "pw2"), allowingOnly("file/topic"))));

    @Test
    void credentialsUnknownToTheFirstMethodAreTriedOnTheNext() {
        AuthenticationResult result = chain.authenticate(request("ops", "pw2")).join();
        assertThat(result).isInstanceOf(AuthenticationResult.Success.class);
    }

    @Test
    void credentialsUnknownToEveryMethodAreABadUserNameOrPassword() {
        AuthenticationResult result = chain.authenticate(request("ops", "wrong")).join();
        assertThat(result).isEqualTo(AuthenticationResult.refused(Refusal.BAD_USERNAME_OR_PASSWORD));
    }

    @Test
    void anyOtherRefusalIsFinalAndLaterMethodsAreNotAsked() {
        AtomicInteger laterCalls = new AtomicInteger();
        ChainedMqttAuth withDisabledDevice = new ChainedMqttAuth(List.of(
                new ChainedMqttAuth.Method("registry",
                        request -> CompletableFuture.completedFuture(AuthenticationResult.refused(Refusal.NOT_AUTHORIZED)),
                        allowingOnly("x")),
                new ChainedMqttAuth.Method("file", request -> {
                    laterCalls.incrementAndGet();
                    return knowing("dev-1", "pw1").authenticate(request);
                }, allowingOnly("y"))));

        AuthenticationResult result = withDisabledDevice.authenticate(request("dev-1", "pw1")).join();

        assertThat(result).isEqualTo(AuthenticationResult.refused(Refusal.NOT_AUTHORIZED));
        assertThat(laterCalls).hasValue(0);
    }

    @Test
    void anIdentityIsAuthorizedByTheMethodThatAuthenticatedIt() {
        TopicPermissions filePermissions =
                ((AuthenticationResult.Success) chain.authenticate(request("ops", "pw2")).join()).permissions();
        TopicPermissions registryPermissions =
                ((AuthenticationResult.Success) chain.authenticate(request("dev-1", "pw1")).join()).permissions();

        assertThat(filePermissions.mayPublish("file/topic")).isTrue();
        assertThat(filePermissions.mayPublish("registry/topic")).isFalse();
        assertThat(registryPermissions.mayPublish("registry/topic")).isTrue();
        assertThat(registryPermissions.mayPublish("file/topic")).isFalse();
    }

    @Test
    void anAuthorizerThatFailsFailsTheAuthentication() {
        ChainedMqttAuth failingAuthorizer = new ChainedMqttAuth(List.of(new ChainedMqttAuth.Method("registry",
                knowing("dev-1", "pw1"),
                identity -> CompletableFuture.failedFuture(new IllegalStateException("registry down")))));

        assertThat(failingAuthorizer.authenticate(request("dev-1", "pw1"))).isCompletedExceptionally();
    }
}
