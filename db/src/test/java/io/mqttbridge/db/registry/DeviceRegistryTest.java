package io.mqttbridge.db.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.mqttbridge.broker.spi.AclRule;
import io.mqttbridge.broker.spi.AclRule.Action;
import io.mqttbridge.broker.spi.AuthenticationRequest;
import io.mqttbridge.broker.spi.AuthenticationResult;
import io.mqttbridge.broker.spi.AuthenticationResult.Refusal;
import io.mqttbridge.broker.spi.DeviceIdentity;
import io.mqttbridge.broker.spi.MqttVersion;
import io.mqttbridge.broker.spi.TopicPermissions;
import io.mqttbridge.db.NewDevice;
import io.mqttbridge.db.testing.TestDatabase;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

class DeviceRegistryTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();

    private DeviceRegistry registry;

    @BeforeEach
    void devices() {
        db.truncateAll();
        db.database().devices().create(NewDevice.of("sensor-1"));
        db.database().credentials().setPassword("sensor-1", "s3cret-one");
        db.database().devices().create(new NewDevice("sensor-off", null, false, null));
        db.database().credentials().setPassword("sensor-off", "s3cret-off");
        registry = new DeviceRegistry(db.jdbi(), new DeviceRegistryConfig().setThreads(2).setClientIdPattern("*"), Clock.systemUTC());
    }

    @AfterEach
    void close() {
        registry.close();
    }

    private static AuthenticationRequest connect(String clientId, String username, String password) {
        return new AuthenticationRequest(clientId, username,
                password == null ? null : password.getBytes(StandardCharsets.UTF_8),
                new InetSocketAddress("127.0.0.1", 40000), null, MqttVersion.MQTT_5);
    }

    private AuthenticationResult authenticate(String clientId, String username, String password) {
        return registry.authenticate(connect(clientId, username, password)).join();
    }

    private static Refusal refusal(AuthenticationResult result) {
        assertThat(result).isInstanceOf(AuthenticationResult.Refused.class);
        return ((AuthenticationResult.Refused) result).refusal();
    }

    @Test
    void rightPasswordAuthenticatesAsTheDeviceNamedByTheUserName() {
        AuthenticationResult result = authenticate("any-client", "sensor-1", "s3cret-one");

        assertThat(result).isInstanceOf(AuthenticationResult.Success.class);
        DeviceIdentity identity = ((AuthenticationResult.Success) result).identity();
        assertThat(identity.deviceId()).isEqualTo("sensor-1");
        assertThat(identity.clientId()).isEqualTo("any-client");
        assertThat(identity.username()).isEqualTo("sensor-1");
    }

    @Test
    void byDefaultADeviceMayUseOnlyItsOwnIdAsClientId() {
        try (DeviceRegistry bound = new DeviceRegistry(db.jdbi(), new DeviceRegistryConfig(), Clock.systemUTC())) {
            assertThat(bound.authenticate(connect("sensor-1", "sensor-1", "s3cret-one")).join())
                    .isInstanceOf(AuthenticationResult.Success.class);
            assertThat(refusal(bound.authenticate(connect("sensor-off", "sensor-1", "s3cret-one")).join()))
                    .isEqualTo(Refusal.CLIENT_ID_NOT_ALLOWED);
            // A wrong password is refused as such first: the client id reveals nothing about the device.
            assertThat(refusal(bound.authenticate(connect("sensor-off", "sensor-1", "wrong")).join()))
                    .isEqualTo(Refusal.BAD_USERNAME_OR_PASSWORD);
        }
    }

    @Test
    void aClientIdThatALongerDevicesTemplateAlsoFitsBelongsToThatDevice() {
        db.database().devices().create(NewDevice.of("sensor-1-x"));
        db.database().credentials().setPassword("sensor-1-x", "s3cret-x");
        try (DeviceRegistry templated = new DeviceRegistry(db.jdbi(),
                new DeviceRegistryConfig().setClientIdPattern("%u-*"), Clock.systemUTC())) {
            assertThat(templated.authenticate(connect("sensor-1-a", "sensor-1", "s3cret-one")).join())
                    .isInstanceOf(AuthenticationResult.Success.class);
            assertThat(refusal(templated.authenticate(connect("sensor-1-x-1", "sensor-1", "s3cret-one")).join()))
                    .as("a client id of device sensor-1-x").isEqualTo(Refusal.CLIENT_ID_NOT_ALLOWED);
            assertThat(templated.authenticate(connect("sensor-1-x-1", "sensor-1-x", "s3cret-x")).join())
                    .isInstanceOf(AuthenticationResult.Success.class);
            assertThat(templated.authenticate(connect("sensor-1-y-1", "sensor-1", "s3cret-one")).join())
                    .as("no device sensor-1-y").isInstanceOf(AuthenticationResult.Success.class);
        }
    }

    @Test
    void clientIdPatternWithoutTheDeviceIdFailsValidationNamingTheKey() {
        assertThatThrownBy(() -> new DeviceRegistryConfig().setClientIdPattern("fixed").validate())
                .hasMessageContaining("clientIdPattern");
    }

    @Test
    void unknownDeviceWrongPasswordAndMissingCredentialsGetTheSameRefusal() {
        assertThat(refusal(authenticate("c", "sensor-1", "wrong"))).isEqualTo(Refusal.BAD_USERNAME_OR_PASSWORD);
        assertThat(refusal(authenticate("c", "nobody", "s3cret-one"))).isEqualTo(Refusal.BAD_USERNAME_OR_PASSWORD);
        assertThat(refusal(authenticate("c", null, "s3cret-one"))).isEqualTo(Refusal.BAD_USERNAME_OR_PASSWORD);
        assertThat(refusal(authenticate("c", "sensor-1", null))).isEqualTo(Refusal.BAD_USERNAME_OR_PASSWORD);
    }

    @Test
    void disabledDeviceIsNotAuthorizedButOnlyWithItsRightPassword() {
        assertThat(refusal(authenticate("c", "sensor-off", "s3cret-off"))).isEqualTo(Refusal.NOT_AUTHORIZED);
        assertThat(refusal(authenticate("c", "sensor-off", "wrong"))).isEqualTo(Refusal.BAD_USERNAME_OR_PASSWORD);
    }

    @Test
    void cachedDeviceIsReusedUntilInvalidated() {
        assertThat(authenticate("c", "sensor-1", "s3cret-one")).isInstanceOf(AuthenticationResult.Success.class);
        db.database().devices().setEnabled("sensor-1", false);

        assertThat(authenticate("c", "sensor-1", "s3cret-one")).isInstanceOf(AuthenticationResult.Success.class);
        registry.invalidate("sensor-1");
        assertThat(refusal(authenticate("c", "sensor-1", "s3cret-one"))).isEqualTo(Refusal.NOT_AUTHORIZED);
    }

    @Test
    void cachedDeviceExpiresAfterTheTtl() {
        DeviceRegistry shortLived = new DeviceRegistry(db.jdbi(), new DeviceRegistryConfig().setCacheTtlSeconds(1).setClientIdPattern("*"),
                Clock.systemUTC());
        try {
            assertThat(shortLived.authenticate(connect("c", "sensor-1", "s3cret-one")).join())
                    .isInstanceOf(AuthenticationResult.Success.class);
            db.database().credentials().setPassword("sensor-1", "changed");
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    shortLived.authenticate(connect("c", "sensor-1", "changed")).join() instanceof AuthenticationResult.Success);
        } finally {
            shortLived.close();
        }
    }

    @Test
    void oldPasswordStopsWorkingWhenItsRotationGraceHasRunOut() {
        db.database().credentials().rotate("sensor-1", "s3cret-two", Duration.ofHours(1));
        assertThat(authenticate("c", "sensor-1", "s3cret-one")).isInstanceOf(AuthenticationResult.Success.class);
        assertThat(authenticate("c", "sensor-1", "s3cret-two")).isInstanceOf(AuthenticationResult.Success.class);

        db.jdbi().useHandle(h -> h.execute("UPDATE device_credentials SET expires_at = now() - interval '1 second' "
                + "WHERE expires_at IS NOT NULL"));
        registry.invalidate("sensor-1");

        assertThat(refusal(authenticate("c", "sensor-1", "s3cret-one"))).isEqualTo(Refusal.BAD_USERNAME_OR_PASSWORD);
        assertThat(authenticate("c", "sensor-1", "s3cret-two")).isInstanceOf(AuthenticationResult.Success.class);
    }

    @Test
    void cachedCredentialStopsWorkingAtItsExpiryEvenBeforeTheCacheRefreshes() {
        db.database().credentials().rotate("sensor-1", "s3cret-two", Duration.ofHours(1));
        Clock twoHoursLater = Clock.offset(Clock.systemUTC(), Duration.ofHours(2));
        try (DeviceRegistry later = new DeviceRegistry(db.jdbi(), new DeviceRegistryConfig().setClientIdPattern("*"), twoHoursLater)) {
            assertThat(refusal(later.authenticate(connect("c", "sensor-1", "s3cret-one")).join()))
                    .isEqualTo(Refusal.BAD_USERNAME_OR_PASSWORD);
            assertThat(later.authenticate(connect("c", "sensor-1", "s3cret-two")).join())
                    .isInstanceOf(AuthenticationResult.Success.class);
        }
    }

    @Test
    void unreachableDatabaseMeansServerUnavailable() {
        Jdbi nowhere = Jdbi.create("jdbc:postgresql://127.0.0.1:1/none?connectTimeout=1", "x", "y");
        try (DeviceRegistry broken = new DeviceRegistry(nowhere, new DeviceRegistryConfig(), Clock.systemUTC())) {
            assertThat(refusal(broken.authenticate(connect("c", "sensor-1", "s3cret-one")).join()))
                    .isEqualTo(Refusal.SERVER_UNAVAILABLE);
        }
    }

    @Test
    void callerIsNotBlockedWhileTheDatabaseIs() {
        try (Handle locker = db.jdbi().open()) {
            locker.begin();
            locker.execute("LOCK TABLE devices IN ACCESS EXCLUSIVE MODE");
            CompletableFuture<AuthenticationResult> pending = assertTimeoutPreemptively(Duration.ofSeconds(5),
                    () -> registry.authenticate(connect("c", "sensor-1", "s3cret-one")));
            assertThat(pending).isNotDone();
            locker.rollback();
            assertThat(pending.join()).isInstanceOf(AuthenticationResult.Success.class);
        }
        assertThat(registry.executor().getCompletedTaskCount()).isPositive();
    }

    @Test
    void refusalsAreLoggedWithoutThePassword() {
        Logger logger = (Logger) LoggerFactory.getLogger(DeviceRegistry.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            authenticate("client-x", "sensor-1", "hunter2-very-secret");
            authenticate("client-y", "nobody", "hunter2-very-secret");
        } finally {
            logger.detachAppender(appender);
        }
        assertThat(appender.list).hasSize(2)
                .allSatisfy(e -> assertThat(e.getFormattedMessage()).doesNotContain("hunter2"))
                .anySatisfy(e -> assertThat(e.getFormattedMessage()).contains("client-x").contains("sensor-1"));
    }

    @Test
    void permissionsComeFromTheDeviceRulesWithPlaceholdersResolved() {
        db.database().aclRules().replaceRules("sensor-1", List.of(
                AclRule.deny(Action.PUBLISH, "devices/%u/secret"),
                AclRule.allow(Action.ALL, "devices/%u/#"),
                AclRule.allow(Action.SUBSCRIBE, "clients/%c/inbox")));
        DeviceIdentity identity = new DeviceIdentity("sensor-1", "sensor-1", "client-7", List.of());

        TopicPermissions permissions = registry.permissionsFor(identity).join();

        assertThat(permissions.mayPublish("devices/sensor-1/temp")).isTrue();
        assertThat(permissions.mayPublish("devices/sensor-1/secret")).isFalse();
        assertThat(permissions.mayPublish("devices/sensor-2/temp")).isFalse();
        assertThat(permissions.maySubscribe("clients/client-7/inbox")).isTrue();
        assertThat(permissions.maySubscribe("clients/client-8/inbox")).isFalse();
        assertThat(permissions.mayPublish("clients/client-7/inbox")).isFalse();
    }

    @Test
    void deviceWithoutRulesAnonymousIdentityAndUnknownDeviceMayDoNothing() {
        assertThat(registry.permissionsFor(new DeviceIdentity("sensor-1", "sensor-1", "c", List.of())).join()
                .mayPublish("anything")).isFalse();
        assertThat(registry.permissionsFor(DeviceIdentity.anonymous("c")).join().maySubscribe("#")).isFalse();
        assertThat(registry.permissionsFor(new DeviceIdentity("ghost", "ghost", "c", List.of())).join()
                .mayPublish("x")).isFalse();
    }

    @Test
    void rulesCarriedByTheIdentityTakePrecedenceOverTheTable() {
        DeviceIdentity identity = new DeviceIdentity("sensor-1", "sensor-1", "c",
                List.of(AclRule.allow(Action.PUBLISH, "token/#")));
        assertThat(registry.permissionsFor(identity).join().mayPublish("token/x")).isTrue();
    }

    @Test
    void changedRulesApplyAfterInvalidation() {
        DeviceIdentity identity = new DeviceIdentity("sensor-1", "sensor-1", "c", List.of());
        assertThat(registry.permissionsFor(identity).join().mayPublish("a/b")).isFalse();
        db.database().aclRules().replaceRules("sensor-1", List.of(AclRule.allow(Action.PUBLISH, "a/#")));
        registry.invalidate("sensor-1");
        assertThat(registry.permissionsFor(identity).join().mayPublish("a/b")).isTrue();
    }
}
