package io.mqttbridge.broker.auth;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.mqttbridge.broker.spi.AuthenticationRequest;
import io.mqttbridge.broker.spi.AuthenticationResult;
import io.mqttbridge.broker.spi.AuthenticationResult.Refusal;
import io.mqttbridge.broker.spi.DeviceIdentity;
import io.mqttbridge.broker.spi.MqttVersion;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

class FileAuthenticatorTest {

    /** Runs nothing until told to: shows what happens on the caller's thread and what does not. */
    private static final class ManualExecutor implements Executor {
        final Queue<Runnable> tasks = new ArrayDeque<>();

        @Override
        public void execute(Runnable task) {
            tasks.add(task);
        }

        int runAll() {
            int count = 0;
            for (Runnable task; (task = tasks.poll()) != null; count++) {
                task.run();
            }
            return count;
        }
    }

    private final ManualExecutor executor = new ManualExecutor();
    private final AtomicLong nanoTime = new AtomicLong();

    private static FileAuthConfig config(boolean allowAnonymous) {
        FileAuthConfig config = new FileAuthConfig();
        config.setAllowAnonymous(allowAnonymous);
        config.setUsers(List.of(
                new FileAuthUser("alice", TestHashes.argon2id("alice-pw"), List.of()),
                new FileAuthUser("bob", TestHashes.bcrypt("bob-pw"), List.of()),
                new FileAuthUser("carol", TestHashes.scrypt("carol-pw"), List.of())));
        return config;
    }

    private FileAuthenticator manual(FileAuthConfig config) {
        return new FileAuthenticator(config, executor, nanoTime::get);
    }

    private static AuthenticationRequest request(String username, String password) {
        return new AuthenticationRequest("client-1", username,
                password == null ? null : password.getBytes(StandardCharsets.UTF_8),
                new InetSocketAddress("127.0.0.1", 40000), null, MqttVersion.MQTT_5);
    }

    private AuthenticationResult completeOffThread(CompletableFuture<AuthenticationResult> future) {
        assertThat(future).as("nothing hashed on the caller's thread").isNotDone();
        assertThat(executor.runAll()).isEqualTo(1);
        return future.join();
    }

    @ParameterizedTest
    @ValueSource(strings = {"alice", "bob", "carol"})
    void rightPasswordForEachHashKindYieldsTheUsersIdentity(String user) {
        FileAuthenticator authenticator = manual(config(false));

        AuthenticationResult result = completeOffThread(authenticator.authenticate(request(user, user + "-pw")));

        assertThat(result).isEqualTo(AuthenticationResult.success(new DeviceIdentity(user, user, "client-1", List.of())));
    }

    @Test
    void wrongPasswordAndUnknownUserAreRefusedAlikeAfterAHash() {
        FileAuthenticator authenticator = manual(config(false));

        AuthenticationResult wrong = completeOffThread(authenticator.authenticate(request("alice", "bob-pw")));
        AuthenticationResult unknown = completeOffThread(authenticator.authenticate(request("mallory", "alice-pw")));
        AuthenticationResult noPassword = completeOffThread(authenticator.authenticate(request("alice", null)));

        AuthenticationResult expected = AuthenticationResult.refused(Refusal.BAD_USERNAME_OR_PASSWORD);
        assertThat(List.of(wrong, unknown, noPassword)).containsOnly(expected);
    }

    @Test
    void anonymousClientIsAcceptedOnlyWhenConfigured() {
        AuthenticationResult on = manual(config(true)).authenticate(request(null, null)).join();
        AuthenticationResult off = manual(config(false)).authenticate(request(null, null)).join();
        AuthenticationResult passwordWithoutName = manual(config(true)).authenticate(request(null, "x")).join();

        assertThat(on).isEqualTo(AuthenticationResult.success(DeviceIdentity.anonymous("client-1")));
        assertThat(off).isEqualTo(AuthenticationResult.refused(Refusal.NOT_AUTHORIZED));
        assertThat(passwordWithoutName).isEqualTo(AuthenticationResult.refused(Refusal.BAD_USERNAME_OR_PASSWORD));
        assertThat(executor.tasks).isEmpty();
    }

    @Test
    void unknownUserIsNotLetInEvenWhenAnonymousAccessIsOn() {
        FileAuthenticator authenticator = manual(config(true));

        AuthenticationResult result = completeOffThread(authenticator.authenticate(request("mallory", "x")));

        assertThat(result).isEqualTo(AuthenticationResult.refused(Refusal.BAD_USERNAME_OR_PASSWORD));
    }

    @Test
    void repeatedSuccessfulLoginIsAnsweredFromTheCacheWithoutHashing() {
        FileAuthenticator authenticator = manual(config(false));
        completeOffThread(authenticator.authenticate(request("bob", "bob-pw")));

        CompletableFuture<AuthenticationResult> again = authenticator.authenticate(request("bob", "bob-pw"));

        assertThat(again).isDone();
        assertThat(again.join()).isInstanceOf(AuthenticationResult.Success.class);
        assertThat(executor.tasks).isEmpty();
    }

    @Test
    void cacheDoesNotAcceptAnotherPasswordOrOutliveItsTtl() {
        FileAuthenticator authenticator = manual(config(false));
        completeOffThread(authenticator.authenticate(request("bob", "bob-pw")));

        AuthenticationResult wrong = completeOffThread(authenticator.authenticate(request("bob", "bob-pw2")));
        nanoTime.addAndGet(TimeUnit.SECONDS.toNanos(FileAuthConfig.DEFAULT_CACHE_TTL_SECONDS) + 1);
        CompletableFuture<AuthenticationResult> expired = authenticator.authenticate(request("bob", "bob-pw"));

        assertThat(wrong).isInstanceOf(AuthenticationResult.Refused.class);
        assertThat(completeOffThread(expired)).isInstanceOf(AuthenticationResult.Success.class);
    }

    @Test
    void failedLoginIsNotCached() {
        FileAuthenticator authenticator = manual(config(false));
        completeOffThread(authenticator.authenticate(request("bob", "nope")));

        assertThat(authenticator.authenticate(request("bob", "nope"))).isNotDone();
    }

    @Test
    void fullVerificationQueueRefusesAsServerUnavailable() {
        Executor full = task -> {
            throw new RejectedExecutionException("full");
        };
        FileAuthenticator authenticator = new FileAuthenticator(config(false), full, System::nanoTime);

        assertThat(authenticator.authenticate(request("alice", "alice-pw")).join())
                .isEqualTo(AuthenticationResult.refused(Refusal.SERVER_UNAVAILABLE));
    }

    @Test
    void callerMayReuseThePasswordArrayOnceAuthenticateReturns() {
        FileAuthenticator authenticator = manual(config(false));
        byte[] password = "alice-pw".getBytes(StandardCharsets.UTF_8);
        AuthenticationRequest request = new AuthenticationRequest("c", "alice", password, null, null, MqttVersion.MQTT_3_1_1);

        CompletableFuture<AuthenticationResult> result = authenticator.authenticate(request);
        password[0] = 'X';
        executor.runAll();

        assertThat(result.join()).isInstanceOf(AuthenticationResult.Success.class);
    }

    @Test
    void passwordNeverAppearsInTheLogEvenAtDebugLevel() {
        Logger logger = (Logger) LoggerFactory.getLogger(FileAuthenticator.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        Level previous = logger.getLevel();
        logger.setLevel(Level.DEBUG);
        logger.addAppender(appender);
        try {
            FileAuthenticator authenticator = manual(config(false));
            authenticator.authenticate(request("alice", "wrong-Secret-1"));
            authenticator.authenticate(request("mallory", "wrong-Secret-2"));
            authenticator.authenticate(request(null, "wrong-Secret-3"));
            executor.runAll();
        } finally {
            logger.detachAppender(appender);
            logger.setLevel(previous);
        }

        assertThat(appender.list).isNotEmpty();
        assertThat(appender.list).allSatisfy(event -> assertThat(event.getFormattedMessage()).doesNotContain("Secret"));
    }

    @Test
    void defaultPoolVerifiesAndIsClosedWithTheAuthenticator() {
        FileAuthenticator authenticator = new FileAuthenticator(config(false));
        try (authenticator) {
            CompletableFuture<AuthenticationResult> result = authenticator.authenticate(request("alice", "alice-pw"));

            assertThat(result).succeedsWithin(Duration.ofSeconds(10)).isInstanceOf(AuthenticationResult.Success.class);
        }
        assertThat(authenticator.authenticate(request("alice", "wrong")).join())
                .as("a closed pool rejects work").isEqualTo(AuthenticationResult.refused(Refusal.SERVER_UNAVAILABLE));
    }
}
