package io.mqttbridge.db.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mqttbridge.broker.spi.AclRule;
import io.mqttbridge.broker.spi.AuthenticationRequest;
import io.mqttbridge.broker.spi.AuthenticationResult;
import io.mqttbridge.broker.spi.AuthenticationResult.Refusal;
import io.mqttbridge.broker.spi.MqttVersion;
import io.mqttbridge.broker.spi.ScramMechanism;
import io.mqttbridge.broker.spi.ScramVerifier;
import io.mqttbridge.db.CredentialInfo;
import io.mqttbridge.db.NewDevice;
import io.mqttbridge.db.testing.TestDatabase;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** SCRAM verifiers in the device table: what is stored, and what the registry hands the SCRAM exchange. */
class DeviceRegistryScramTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();

    private DeviceRegistry registry;

    @BeforeEach
    void devices() {
        db.truncateAll();
        db.database().devices().create(NewDevice.of("sensor-1"));
        db.database().devices().create(NewDevice.of("sensor-2"));
        registry = new DeviceRegistry(db.jdbi(), new DeviceRegistryConfig().setThreads(2), Clock.systemUTC());
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

    private ScramVerifier verifier(String device, ScramMechanism mechanism) {
        return registry.verifier(device, mechanism).join().orElseThrow();
    }

    @Test
    void aPasswordIsStoredWithVerifiersOfBothMechanismsAndNeverInPlain() {
        db.database().credentials().setPassword("sensor-1", "correct horse");

        Map<String, Object> row = db.jdbi().withHandle(h -> h.createQuery(
                "SELECT password_hash, scram_sha256, scram_sha512 FROM device_credentials").mapToMap().one());
        assertThat(row.values()).allSatisfy(v -> assertThat(String.valueOf(v)).doesNotContain("correct horse"));
        assertThat((String) row.get("scram_sha256")).startsWith("SCRAM-SHA-256$4096:");
        assertThat(verifier("sensor-1", ScramMechanism.SHA_256).matchesPassword("correct horse")).isTrue();
        assertThat(verifier("sensor-1", ScramMechanism.SHA_512).matchesPassword("correct horse")).isTrue();
        assertThat(db.database().credentials().list("sensor-1")).singleElement()
                .extracting(CredentialInfo::kinds).asList()
                .containsExactly("password", "SCRAM-SHA-256", "SCRAM-SHA-512");
    }

    @Test
    void aCredentialOfVerifiersOnlyServesScramAndPasswordLoginsButKeepsNoHash() {
        ScramVerifier given = ScramVerifier.derive(ScramMechanism.SHA_512, "only-scram");
        db.database().credentials().setCredential("sensor-1", null, List.of(given));

        assertThat(verifier("sensor-1", ScramMechanism.SHA_512)).isEqualTo(given);
        assertThat(registry.verifier("sensor-1", ScramMechanism.SHA_256).join()).isEmpty();
        assertThat(registry.authenticate(connect("sensor-1", "sensor-1", "only-scram")).join())
                .isInstanceOf(AuthenticationResult.Success.class);
        assertThat(registry.authenticate(connect("sensor-1", "sensor-1", "wrong")).join())
                .isEqualTo(AuthenticationResult.refused(Refusal.BAD_USERNAME_OR_PASSWORD));
        assertThat(db.database().credentials().list("sensor-1")).singleElement()
                .extracting(CredentialInfo::kinds).asList().containsExactly("SCRAM-SHA-512");
    }

    @Test
    void aGivenVerifierReplacesTheDerivedOneOfItsMechanism() {
        ScramVerifier given = ScramVerifier.derive(ScramMechanism.SHA_256, "other");
        db.database().credentials().setCredential("sensor-1", "the-password", List.of(given));

        assertThat(verifier("sensor-1", ScramMechanism.SHA_256)).isEqualTo(given);
        assertThat(verifier("sensor-1", ScramMechanism.SHA_512).matchesPassword("the-password")).isTrue();
    }

    @Test
    void theNewestCredentialOfARotationIsTheOneScramUses() {
        db.database().credentials().setPassword("sensor-1", "old");
        db.database().credentials().rotate("sensor-1", "new", Duration.ofHours(1));
        registry.invalidate("sensor-1");

        assertThat(verifier("sensor-1", ScramMechanism.SHA_256).matchesPassword("new")).isTrue();
    }

    @Test
    void anUnknownDeviceHasNoVerifier() {
        assertThat(registry.verifier("nobody", ScramMechanism.SHA_256).join()).isEqualTo(Optional.empty());
    }

    @Test
    void admittingAProvenDeviceAppliesTheClientIdBindingTheEnabledFlagAndItsRules() {
        db.database().credentials().setPassword("sensor-1", "p");
        db.database().aclRules().replaceRules("sensor-1",
                List.of(new AclRule(AclRule.Permission.ALLOW, AclRule.Action.ALL, "sensors/%u/#")));

        AuthenticationResult admitted = registry.admit("sensor-1", connect("sensor-1", null, null)).join();
        assertThat(admitted).isInstanceOf(AuthenticationResult.Success.class);
        AuthenticationResult.Success success = (AuthenticationResult.Success) admitted;
        assertThat(success.identity().deviceId()).isEqualTo("sensor-1");
        assertThat(success.permissions().mayPublish("sensors/sensor-1/t")).isTrue();
        assertThat(success.permissions().mayPublish("sensors/sensor-2/t")).isFalse();

        assertThat(registry.admit("sensor-1", connect("sensor-2", null, null)).join())
                .isEqualTo(AuthenticationResult.refused(Refusal.CLIENT_ID_NOT_ALLOWED));
        db.database().devices().setEnabled("sensor-1", false);
        registry.invalidate("sensor-1");
        assertThat(registry.admit("sensor-1", connect("sensor-1", null, null)).join())
                .isEqualTo(AuthenticationResult.refused(Refusal.NOT_AUTHORIZED));
    }

    @Test
    void aCredentialNeedsAPasswordOrAVerifierAndOneVerifierPerMechanism() {
        assertThatThrownBy(() -> db.database().credentials().setCredential("sensor-1", null, List.of()))
                .isInstanceOf(IllegalArgumentException.class);
        ScramVerifier a = ScramVerifier.derive(ScramMechanism.SHA_256, "a");
        assertThatThrownBy(() -> db.database().credentials().setCredential("sensor-1", null, List.of(a, a)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
