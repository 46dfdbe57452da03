package io.mqttbridge.db.internal;

import io.mqttbridge.db.CredentialInfo;
import io.mqttbridge.db.CredentialRepository;
import io.mqttbridge.db.NoSuchDeviceException;
import java.time.Duration;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** {@link CredentialRepository} on the {@code device_credentials} table. */
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
        String hash = hasher.hash(password);
        jdbi.useTransaction(h -> {
            lockDevice(h, deviceId);
            h.createUpdate("DELETE FROM device_credentials WHERE device_id = :d").bind("d", deviceId).execute();
            insert(h, deviceId, hash);
        });
    }

    @Override
    public String generatePassword(String deviceId) {
        String password = PasswordHasher.generate(GENERATED_PASSWORD_LENGTH);
        setPassword(deviceId, password);
        return password;
    }

    @Override
    public void rotate(String deviceId, String newPassword, Duration grace) {
        if (grace == null || grace.isNegative()) {
            throw new IllegalArgumentException("grace must be zero or positive, was " + grace);
        }
        String hash = hasher.hash(newPassword);
        jdbi.useTransaction(h -> {
            lockDevice(h, deviceId);
            h.createUpdate("DELETE FROM device_credentials WHERE device_id = :d AND NOT " + CURRENT)
                    .bind("d", deviceId).execute();
            h.createUpdate("UPDATE device_credentials SET expires_at = LEAST(COALESCE(expires_at, 'infinity'), "
                            + "now() + make_interval(secs => :grace)) WHERE device_id = :d")
                    .bind("d", deviceId)
                    .bind("grace", grace.toMillis() / 1000.0)
                    .execute();
            insert(h, deviceId, hash);
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
        return jdbi.withHandle(h -> h.createQuery("SELECT id, created_at, expires_at FROM device_credentials "
                        + "WHERE device_id = :d AND " + CURRENT + " ORDER BY created_at DESC, id DESC")
                .bind("d", deviceId)
                .map((rs, ctx) -> new CredentialInfo(rs.getLong("id"), Sql.instant(rs, "created_at"),
                        Sql.instant(rs, "expires_at")))
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
                        + "WHERE device_id = :d AND " + CURRENT)
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

    private static void insert(Handle h, String deviceId, String hash) {
        h.createUpdate("INSERT INTO device_credentials (device_id, password_hash) VALUES (:d, :hash)")
                .bind("d", deviceId).bind("hash", hash).execute();
    }
}
