package io.mqttbridge.broker.limits.internal;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.config.LimitsConfig;
import io.mqttbridge.broker.metrics.LimitMetrics;
import io.mqttbridge.broker.spi.AuthenticationRequest;
import io.mqttbridge.broker.spi.AuthenticationResult.Refusal;
import io.mqttbridge.broker.spi.AuthenticationResult;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.DeviceIdentity;
import io.mqttbridge.broker.spi.MqttVersion;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class BackoffAuthenticatorTest {

    private static final AuthenticationResult BANNED = AuthenticationResult.refused(Refusal.BANNED);
    private static final AuthenticationResult BAD = AuthenticationResult.refused(Refusal.BAD_USERNAME_OR_PASSWORD);

    private final AtomicLong nanos = new AtomicLong(1_000);
    private final MetricRegistry registry = new MetricRegistry();

    /** "good" is every user's password. */
    private static final Authenticator PASSWORDS = request -> CompletableFuture.completedFuture(
            "good".equals(new String(request.password(), StandardCharsets.UTF_8))
                    ? AuthenticationResult.success(new DeviceIdentity(request.username(), request.username(), request.clientId(), null))
                    : BAD);

    private BackoffAuthenticator backoff(Authenticator delegate, int perUser, int perAddress) {
        LimitsConfig config = new LimitsConfig();
        config.setAuthFailuresBeforeBackoff(perUser);
        config.setAuthFailuresPerAddressBeforeBackoff(perAddress);
        return new BackoffAuthenticator(delegate, config.validate(), new LimitMetrics(registry), nanos::get);
    }

    private static AuthenticationRequest login(String address, String user, String password) {
        return new AuthenticationRequest(user + "-client", user, password.getBytes(StandardCharsets.UTF_8),
                new InetSocketAddress(address, 40000), null, MqttVersion.MQTT_5);
    }

    @Test
    void attemptsInFlightCountSoAParallelBurstGetsNoMoreThanTheThresholdThrough() {
        List<CompletableFuture<AuthenticationResult>> pending = new ArrayList<>();
        Authenticator slow = request -> {
            CompletableFuture<AuthenticationResult> future = new CompletableFuture<>();
            pending.add(future);
            return future;
        };
        BackoffAuthenticator authenticator = backoff(slow, 3, 50);
        List<CompletableFuture<AuthenticationResult>> results = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            results.add(authenticator.authenticate(login("10.0.0.1", "victim", "guess-" + i)));
        }
        assertThat(pending).hasSize(3);
        assertThat(results.subList(3, 10)).allSatisfy(r -> assertThat(r.join()).isEqualTo(BANNED));
        pending.forEach(f -> f.complete(BAD));
        assertThat(authenticator.authenticate(login("10.0.0.1", "victim", "good")).join()).isEqualTo(BANNED);
        assertThat(registry.meter(LimitMetrics.AUTH_BACKOFF).getCount()).isEqualTo(8);
    }

    @Test
    void aSuccessWithoutAUserNameClearsNoFailuresOfTheNamelessRecord() {
        // Nameless logins (SCRAM keeps the name inside its exchange) share one record per address.
        Authenticator nameless = request -> CompletableFuture.completedFuture(
                "good".equals(new String(request.password(), StandardCharsets.UTF_8))
                        ? AuthenticationResult.success(new DeviceIdentity("own", null, request.clientId(), null)) : BAD);
        BackoffAuthenticator authenticator = backoff(nameless, 3, 50);
        for (int i = 0; i < 2; i++) {
            assertThat(authenticator.authenticate(login("10.0.0.3", null, "guess-" + i)).join()).isEqualTo(BAD);
        }
        assertThat(authenticator.authenticate(login("10.0.0.3", null, "good")).join())
                .isInstanceOf(AuthenticationResult.Success.class);

        assertThat(authenticator.authenticate(login("10.0.0.3", null, "guess-2")).join()).isEqualTo(BAD);
        assertThat(authenticator.authenticate(login("10.0.0.3", null, "good")).join()).isEqualTo(BANNED);
    }

    @Test
    void aSuccessfulLoginOfOneIdentityNeverClearsAnothersFailures() {
        BackoffAuthenticator authenticator = backoff(PASSWORDS, 2, 50);
        authenticator.authenticate(login("10.0.0.1", "victim", "guess-1")).join();
        authenticator.authenticate(login("10.0.0.1", "victim", "guess-2")).join();

        assertThat(authenticator.authenticate(login("10.0.0.1", "attacker", "good")).join())
                .isInstanceOf(AuthenticationResult.Success.class);
        assertThat(authenticator.authenticate(login("10.0.0.1", "victim", "good")).join()).isEqualTo(BANNED);
    }

    @Test
    void failuresForOneUserNameDoNotLockOutAnotherFromTheSameAddress() {
        BackoffAuthenticator authenticator = backoff(PASSWORDS, 2, 50);
        authenticator.authenticate(login("10.0.0.1", "victim", "guess-1")).join();
        authenticator.authenticate(login("10.0.0.1", "victim", "guess-2")).join();

        assertThat(authenticator.authenticate(login("10.0.0.1", "neighbour", "good")).join())
                .isInstanceOf(AuthenticationResult.Success.class);
        assertThat(authenticator.authenticate(login("10.0.0.2", "victim", "good")).join())
                .as("another address is not affected").isInstanceOf(AuthenticationResult.Success.class);
    }

    @Test
    void manyUserNamesFromOneAddressHitTheAddressWideCeiling() {
        BackoffAuthenticator authenticator = backoff(PASSWORDS, 3, 5);
        for (int i = 0; i < 5; i++) {
            assertThat(authenticator.authenticate(login("10.0.0.1", "user-" + i, "guess")).join()).isEqualTo(BAD);
        }
        assertThat(authenticator.authenticate(login("10.0.0.1", "user-new", "good")).join()).isEqualTo(BANNED);
        assertThat(authenticator.authenticate(login("10.0.0.2", "user-new", "good")).join())
                .isInstanceOf(AuthenticationResult.Success.class);
    }

    @Test
    void afterTheBackoffRunsOutOneAttemptMayProbeAndAFailureBacksOffLonger() {
        BackoffAuthenticator authenticator = backoff(PASSWORDS, 1, 50);
        authenticator.authenticate(login("10.0.0.1", "victim", "guess-1")).join();
        assertThat(authenticator.authenticate(login("10.0.0.1", "victim", "good")).join()).isEqualTo(BANNED);

        nanos.addAndGet(1_000_000_001L);
        assertThat(authenticator.authenticate(login("10.0.0.1", "victim", "guess-2")).join()).isEqualTo(BAD);
        nanos.addAndGet(1_000_000_001L);
        assertThat(authenticator.authenticate(login("10.0.0.1", "victim", "good")).join())
                .as("the second backoff lasts 2 s").isEqualTo(BANNED);
        nanos.addAndGet(1_000_000_001L);
        assertThat(authenticator.authenticate(login("10.0.0.1", "victim", "good")).join())
                .isInstanceOf(AuthenticationResult.Success.class);
    }
}
