package io.mqttbridge.db.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mqttbridge.db.CredentialRepository;
import io.mqttbridge.db.NewDevice;
import io.mqttbridge.db.NoSuchDeviceException;
import io.mqttbridge.db.testing.TestDatabase;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class CredentialRepositoryTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();

    private CredentialRepository credentials;

    @BeforeEach
    void clean() {
        db.truncateAll();
        credentials = db.database().credentials();
        db.database().devices().create(NewDevice.of("d1"));
        db.database().devices().create(NewDevice.of("d2"));
    }

    @Test
    void passwordIsStoredOnlyAsAnArgon2idHash() {
        credentials.setPassword("d1", "correct horse");
        List<String> stored = db.jdbi().withHandle(h -> h.createQuery("SELECT password_hash FROM device_credentials")
                .mapTo(String.class).list());
        assertThat(stored).singleElement().asString().startsWith("$argon2id$").doesNotContain("correct horse");
    }

    @Test
    void verifyAcceptsOnlyTheRightPasswordOfTheRightDevice() {
        credentials.setPassword("d1", "secret-1");
        credentials.setPassword("d2", "secret-2");
        assertThat(credentials.verify("d1", "secret-1")).isTrue();
        assertThat(credentials.verify("d1", "secret-2")).isFalse();
        assertThat(credentials.verify("d2", "secret-1")).isFalse();
        assertThat(credentials.verify("nobody", "secret-1")).isFalse();
    }

    @Test
    void settingAPasswordReplacesTheOldOne() {
        credentials.setPassword("d1", "first");
        credentials.setPassword("d1", "second");
        assertThat(credentials.verify("d1", "first")).isFalse();
        assertThat(credentials.verify("d1", "second")).isTrue();
        assertThat(credentials.list("d1")).hasSize(1);
    }

    @Test
    void generatedPasswordIsLongRandomAndWorks() {
        String a = credentials.generatePassword("d1");
        String b = credentials.generatePassword("d2");
        assertThat(a).hasSize(CredentialRepository.GENERATED_PASSWORD_LENGTH).isNotEqualTo(b);
        assertThat(credentials.verify("d1", a)).isTrue();
    }

    @Test
    void rotationWithGraceKeepsTheOldPasswordWorkingUntilItExpires() {
        credentials.setPassword("d1", "old");
        String fresh = credentials.rotateGenerated("d1", Duration.ofHours(1));
        assertThat(credentials.verify("d1", "old")).isTrue();
        assertThat(credentials.verify("d1", fresh)).isTrue();
        assertThat(credentials.list("d1")).hasSize(2).anySatisfy(c -> assertThat(c.expiresAt()).isNotNull());

        // Let the grace period run out.
        db.jdbi().useHandle(h -> h.execute("UPDATE device_credentials SET expires_at = now() - interval '1 second' "
                + "WHERE expires_at IS NOT NULL"));
        assertThat(credentials.verify("d1", "old")).isFalse();
        assertThat(credentials.verify("d1", fresh)).isTrue();
        assertThat(credentials.list("d1")).hasSize(1);

        // The next rotation clears out rows that have expired.
        credentials.rotate("d1", "newest", Duration.ofHours(1));
        long stored = db.jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM device_credentials WHERE device_id = 'd1'")
                .mapTo(Long.class).one());
        assertThat(stored).isEqualTo(2);
    }

    @Test
    void rotationWithoutGraceStopsTheOldPasswordAtOnceForThatDeviceOnly() {
        credentials.setPassword("d1", "old");
        credentials.setPassword("d2", "untouched");
        credentials.rotate("d1", "new", Duration.ZERO);
        assertThat(credentials.verify("d1", "old")).isFalse();
        assertThat(credentials.verify("d1", "new")).isTrue();
        assertThat(credentials.verify("d2", "untouched")).isTrue();
        assertThat(credentials.list("d2")).singleElement().satisfies(c -> assertThat(c.expiresAt()).isNull());
    }

    @Test
    void clearRemovesEveryPasswordOfOnlyThatDevice() {
        credentials.setPassword("d1", "a");
        credentials.setPassword("d2", "b");
        assertThat(credentials.clear("d1")).isEqualTo(1);
        assertThat(credentials.verify("d1", "a")).isFalse();
        assertThat(credentials.verify("d2", "b")).isTrue();
    }

    @Test
    void unknownDeviceAndEmptyPasswordAreRejectedClearly() {
        assertThatThrownBy(() -> credentials.setPassword("ghost", "x")).isInstanceOf(NoSuchDeviceException.class)
                .hasMessageContaining("ghost");
        assertThatThrownBy(() -> credentials.setPassword("d1", "")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> credentials.rotate("d1", "x", Duration.ofSeconds(-1))).hasMessageContaining("grace");
    }
}
