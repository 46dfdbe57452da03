package io.mqttbridge.broker.security;

import io.mqttbridge.broker.e2e.TestBroker;
import io.mqttbridge.broker.spi.AuthenticationResult;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.DeviceIdentity;
import io.mqttbridge.broker.spi.PublishSink;
import io.mqttbridge.broker.spi.SessionListener;
import io.mqttbridge.broker.spi.TopicPermissions;
import io.mqttbridge.testing.mqtt.RawMqttClient;
import io.mqttbridge.testing.mqtt.RawMqttClient.Packet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A change of a device applied while one of its CONNECTs is being authenticated (the registry read
 * before the change, the session opened after it) still reaches that connection: the probe's device
 * reconnecting while it was disabled kept a working connection. The authenticator here holds its
 * answer until the test has applied the change, which makes the race certain.
 */
class IdentityChangeDuringConnectTest {

    private final CountDownLatch authenticating = new CountDownLatch(1);
    private final CompletableFuture<Void> answer = new CompletableFuture<>();
    private TestBroker broker;

    /** Device "dev" = client id "dev"; its answer, read before the change, comes once {@link #answer} completes. */
    private final Authenticator slowRegistry = request -> {
        authenticating.countDown();
        return answer.thenApply(ignored -> AuthenticationResult.success(
                new DeviceIdentity("dev", "dev", request.clientId(), List.of()), null, TopicPermissions.ALLOW_ALL));
    };

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private RawMqttClient connectingWhileTheDeviceChanges(Runnable change) throws Exception {
        broker = new TestBroker(c -> { }, slowRegistry, Authorizer.ALLOW_ALL, PublishSink.NONE, SessionListener.NONE);
        RawMqttClient client = new RawMqttClient(broker.port());
        client.send(RawMqttClient.connect5("dev", false, 60, new byte[] {0x11, 0, 0, 0x0e, 0x10}));
        assertThat(authenticating.await(10, TimeUnit.SECONDS)).isTrue();
        change.run();
        answer.complete(null);
        assertThat(client.read().type()).as("CONNACK: the authentication succeeded before the change").isEqualTo(2);
        return client;
    }

    @Test
    void aDeviceDisabledWhileItConnectsLosesThatConnectionAndItsSession() throws Exception {
        try (RawMqttClient client = connectingWhileTheDeviceChanges(() -> broker.broker.endSessionsOf("dev"))) {
            List<Packet> rest = client.readUntilClosed();
            assertThat(rest).hasSize(1);
            assertThat(rest.get(0).type()).isEqualTo(14);
            assertThat(rest.get(0).body()[0] & 0xFF).as("Administrative action").isEqualTo(0x98);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> broker.broker.sessionCount() == 0);
    }

    @Test
    void newRulesAppliedWhileItConnectsReachThatConnection() throws Exception {
        try (RawMqttClient client = connectingWhileTheDeviceChanges(() ->
                broker.broker.reauthorize("dev", Authorizer.DENY_ALL))) {
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                client.send(RawMqttClient.subscribe(7, "any/topic", 0, true));
                Packet suback = client.read();
                assertThat(suback.type()).isEqualTo(9);
                assertThat(suback.body()[suback.body().length - 1] & 0xFF).as("Not authorized").isEqualTo(0x87);
            });
        }
    }

    @Test
    void credentialsChangedWhileItConnectsEndThatConnectionWhenTheOldOnesEnd() throws Exception {
        try (RawMqttClient client = connectingWhileTheDeviceChanges(() ->
                broker.broker.identityChanges().credentialsChanged("dev", Instant.now()))) {
            List<Packet> rest = client.readUntilClosed();
            assertThat(rest).extracting(Packet::type).containsExactly(14);
        }
        assertThat(broker.broker.sessionCount()).as("the session stays, as for any credentials change").isEqualTo(1);
    }
}
