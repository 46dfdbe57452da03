package io.mqttbridge.db.internal;

import io.mqttbridge.broker.spi.ScramMechanism;
import io.mqttbridge.broker.spi.ScramVerifier;
import io.mqttbridge.db.CredentialInfo;
import io.mqttbridge.db.CredentialRepository;
import io.mqttbridge.db.NoSuchDeviceException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * {@link CredentialRepository} on the {@code device_credentials} table: one row per credential, with
 * its Argon2id hash and/or SCRAM verifiers.
 */
public final class JdbiCredentialRepository implements CredentialRepository {

    static final String CURRENT = "(expires_at IS NULL OR expires_at > now())";

    private final Jdbi jdbi;
    private final PasswordHasher hasher;

    public JdbiCredentialRepository(Jdbi jdbi) {
        this(jdbi, new PasswordHasher());
    }

    public JdbiCredentialRepository(Jdbi jdbi, PasswordHasher hasher) {
        this.jdbi = jdbi;
        this.hasher = hasher;
    }

    @Override
    public void setPassword(String deviceId, String password) {
        setCredential(deviceId, password, List.of());
    }

    @Override
    public void setCredential(String deviceId, String password, List<ScramVerifier> verifiers) {
        Secrets secrets = secrets(password, verifiers);
        jdbi.useTransaction(h -> {
            lockDevice(h, deviceId);
            h.createUpdate("DELETE FROM device_credentials WHERE device_id = :d").bind("d", deviceId).execute();
            insert(h, deviceId, secrets);
        });
    }

    /** What one credential row holds; hashing and PBKDF2 run before the transaction, not inside it. */
    private record Secrets(String hash, ScramVerifier sha256, ScramVerifier sha512) {
    }

    private Secrets secrets(String password, List<ScramVerifier> verifiers) {
        if (password == null && (verifiers == null || verifiers.isEmpty())) {
            throw new IllegalArgumentException("a credential needs a password or SCRAM verifiers");
        }
        if (password != null && password.isEmpty()) {
            throw new IllegalArgumentException("password must not be empty");
        }
        Map<ScramMechanism, ScramVerifier> given = new EnumMap<>(ScramMechanism.class);
        for (ScramVerifier verifier : verifiers == null ? List.<ScramVerifier>of() : verifiers) {
            if (given.put(verifier.mechanism(), verifier) != null) {
                throw new IllegalArgumentException("more than one verifier of " + verifier.mechanism().methodName());
            }
        }
        if (password != null) {
            for (ScramMechanism mechanism : ScramMechanism.values()) {
                given.computeIfAbsent(mechanism, m -> ScramVerifier.derive(m, password));
            }
        }
        return new Secrets(password == null ? null : hasher.hash(password), given.get(ScramMechanism.SHA_256),
                given.get(ScramMechanism.SHA_512));
    }

    @Override
    public String generatePassword(String deviceId) {
        String password = PasswordHasher.generate(GENERATED_PASSWORD_LENGTH);
        setPassword(deviceId, password);
        return password;
    }

    @Override
    public void rotate(String deviceId, String newPassword, Duration grace) {
        rotateCredential(deviceId, newPassword, List.of(), grace);
    }

    @Override
    public void rotateCredential(String deviceId, String password, List<ScramVerifier> verifiers, Duration grace) {
        if (grace == null || grace.isNegative()) {
            throw new IllegalArgumentException("grace must be zero or positive, was " + grace);
        }
        Secrets secrets = secrets(password, verifiers);
        jdbi.useTransaction(h -> {
            lockDevice(h, deviceId);
            h.createUpdate("DELETE FROM device_credentials WHERE device_id = :d AND NOT " + CURRENT)
                    .bind("d", deviceId).execute();
            h.createUpdate("UPDATE device_credentials SET expires_at = LEAST(COALESCE(expires_at, 'infinity'), "
                            + "now() + make_interval(secs => :grace)) WHERE device_id = :d")
                    .bind("d", deviceId)
                    .bind("grace", grace.toMillis() / 1000.0)
                    .execute();
            insert(h, deviceId, secrets);
        });
    }

    @Override
    public String rotateGenerated(String deviceId, Duration grace) {
        String password = PasswordHasher.generate(GENERATED_PASSWORD_LENGTH);
        rotate(deviceId, password, grace);
        return password;
    }

    @Override
    public boolean verify(String deviceId, String password) {
        List<String> hashes = currentHashes(jdbi, deviceId);
        if (hashes.isEmpty()) {
            hasher.burnOneCheck(password);
            return false;
        }
        for (String hash : hashes) {
            if (hasher.matches(password, hash)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public List<CredentialInfo> list(String deviceId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT id, created_at, expires_at, password_hash IS NOT NULL AS pw, "
                        + "scram_sha256 IS NOT NULL AS s256, scram_sha512 IS NOT NULL AS s512 FROM device_credentials "
                        + "WHERE device_id = :d AND " + CURRENT + " ORDER BY created_at DESC, id DESC")
                .bind("d", deviceId)
                .map((rs, ctx) -> {
                    List<String> kinds = new ArrayList<>(3);
                    if (rs.getBoolean("pw")) {
                        kinds.add(CredentialInfo.PASSWORD);
                    }
                    if (rs.getBoolean("s256")) {
                        kinds.add(ScramMechanism.SHA_256.methodName());
                    }
                    if (rs.getBoolean("s512")) {
                        kinds.add(ScramMechanism.SHA_512.methodName());
                    }
                    return new CredentialInfo(rs.getLong("id"), Sql.instant(rs, "created_at"),
                            Sql.instant(rs, "expires_at"), kinds);
                })
                .list());
    }

    @Override
    public int clear(String deviceId) {
        return jdbi.withHandle(h -> h.createUpdate("DELETE FROM device_credentials WHERE device_id = :d")
                .bind("d", deviceId).execute());
    }

    /** The hashes of the device's current passwords. */
    static List<String> currentHashes(Jdbi jdbi, String deviceId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT password_hash FROM device_credentials "
                        + "WHERE device_id = :d AND password_hash IS NOT NULL AND " + CURRENT)
                .bind("d", deviceId)
                .mapTo(String.class)
                .list());
    }

    /** Serialises credential changes of one device, and fails clearly when it does not exist. */
    private static void lockDevice(Handle h, String deviceId) {
        boolean exists = h.createQuery("SELECT 1 FROM devices WHERE id = :d FOR UPDATE")
                .bind("d", deviceId).mapTo(Integer.class).findOne().isPresent();
        if (!exists) {
            throw new NoSuchDeviceException(deviceId);
        }
    }

    private static void insert(Handle h, String deviceId, Secrets secrets) {
        h.createUpdate("INSERT INTO device_credentials (device_id, password_hash, scram_sha256, scram_sha512) "
                        + "VALUES (:d, :hash, :s256, :s512)")
                .bind("d", deviceId)
                .bind("hash", secrets.hash())
                .bind("s256", secrets.sha256() == null ? null : secrets.sha256().format())
                .bind("s512", secrets.sha512() == null ? null : secrets.sha512().format())
                .execute();
    }
}
