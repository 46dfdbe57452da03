package io.mqttbridge.db.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttbridge.broker.spi.AclRule;
import io.mqttbridge.db.NewDevice;
import io.mqttbridge.db.testing.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Device changes announced by the database's triggers reach a listener on its own connection. */
class DeviceChangeListenerTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();

    private final List<DeviceChange> changes = new CopyOnWriteArrayList<>();
    private final AtomicInteger reconciliations = new AtomicInteger();
    private final List<List<DeviceChange>> replays = new CopyOnWriteArrayList<>();
    /* Holds the listener's (re)connections while a test makes changes nobody may hear. */
    private volatile CountDownLatch connecting = new CountDownLatch(0);
    private DeviceChangeListener listener;

    @BeforeEach
    void listen() {
        db.truncateAll();
        db.database().devices().create(NewDevice.of("d1"));
        db.database().credentials().setPassword("d1", "first");
        listener = DeviceChangeListener.start(this::openWhenAllowed, new DeviceChangeListener.Handler() {
            @Override
            public void onChange(DeviceChange change) {
                changes.add(change);
            }

            @Override
            public void reconcile() {
                reconciliations.incrementAndGet();
            }

            @Override
            public void replay(List<DeviceChange> missed) {
                replays.add(missed);
            }
        });
        changes.clear();
    }

    private Connection openWhenAllowed() throws SQLException {
        try {
            connecting.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted", e);
        }
        return db.database().openDedicatedConnection();
    }

    @AfterEach
    void stop() {
        listener.close();
    }

    private DeviceChange awaitChange(DeviceChange.Kind kind) {
        await().atMost(10, TimeUnit.SECONDS).until(() -> changes.stream().anyMatch(c -> c.kind() == kind));
        return changes.stream().filter(c -> c.kind() == kind).findFirst().orElseThrow();
    }

    @Test
    void disablingEnablingAndDeletingADeviceAreAnnounced() {
        db.database().devices().setEnabled("d1", false);
        assertThat(awaitChange(DeviceChange.Kind.DISABLED).deviceId()).isEqualTo("d1");
        db.database().devices().setEnabled("d1", true);
        awaitChange(DeviceChange.Kind.ENABLED);
        db.database().devices().delete("d1");
        assertThat(awaitChange(DeviceChange.Kind.DELETED).deviceId()).isEqualTo("d1");
    }

    @Test
    void metadataChangesAreNotAnnounced() {
        db.database().devices().setDisplayName("d1", "renamed");
        db.database().aclRules().replaceRules("d1", List.of(new AclRule(AclRule.Permission.ALLOW, AclRule.Action.ALL, "#")));

        awaitChange(DeviceChange.Kind.ACL);
        assertThat(changes).extracting(DeviceChange::kind).containsOnly(DeviceChange.Kind.ACL);
    }

    @Test
    void aRotationAnnouncesTheEndOfItsGracePeriodAndAReplacementEndsOldConnectionsAtOnce() {
        db.database().credentials().rotate("d1", "second", Duration.ofHours(1));
        await().atMost(10, TimeUnit.SECONDS).until(() -> changes.stream().anyMatch(c -> c.until() != null));
        DeviceChange rotation = changes.stream().filter(c -> c.until() != null).findFirst().orElseThrow();
        assertThat(Duration.between(rotation.at(), rotation.until())).isBetween(Duration.ofMinutes(59), Duration.ofMinutes(61));

        changes.clear();
        db.database().credentials().setPassword("d1", "third");
        await().atMost(10, TimeUnit.SECONDS).until(() -> changes.stream().anyMatch(c -> c.until() != null));
        DeviceChange replacement = changes.stream().filter(c -> c.until() != null).findFirst().orElseThrow();
        assertThat(replacement.until()).isEqualTo(replacement.at());
    }

    @Test
    void aRolledBackChangeIsNotAnnounced() {
        db.jdbi().useHandle(h -> {
            h.begin();
            h.execute("UPDATE devices SET enabled = false WHERE id = 'd1'");
            h.rollback();
        });
        db.database().aclRules().replaceRules("d1", List.of());
        db.database().aclRules().replaceRules("d1", List.of(new AclRule(AclRule.Permission.ALLOW, AclRule.Action.ALL, "#")));

        awaitChange(DeviceChange.Kind.ACL);
        assertThat(changes).noneMatch(c -> c.kind() == DeviceChange.Kind.DISABLED);
    }

    @Test
    void afterItsConnectionBrokeTheListenerReconcilesAndHearsChangesAgain() {
        int before = reconciliations.get();
        assertThat(before).isGreaterThanOrEqualTo(1);

        int terminated = db.jdbi().withHandle(h -> h.createQuery("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                + "WHERE application_name = 'mqtt-kafka-bridge device changes' AND pid <> pg_backend_pid()").mapTo(Integer.class).one());
        assertThat(terminated).isEqualTo(1);

        await().atMost(15, TimeUnit.SECONDS).until(() -> reconciliations.get() > before);
        db.database().devices().setEnabled("d1", false);
        awaitChange(DeviceChange.Kind.DISABLED);
    }

    @Test
    void aDeletionAndACredentialChangeMadeWhileNotListeningAreReplayedOnceListeningAgain() {
        db.database().devices().create(NewDevice.of("d2"));
        db.database().credentials().setPassword("d2", "first");
        await().atMost(10, TimeUnit.SECONDS).until(() -> replays.size() == 1);
        assertThat(replays.get(0)).as("nothing logged before the first listening").isEmpty();

        // The listener's backend is gone, and it may not connect again, before the changes commit:
        // their notifications reach no one.
        connecting = new CountDownLatch(1);
        db.jdbi().useHandle(h -> assertThat(h.createQuery("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
                        + " WHERE application_name = 'mqtt-kafka-bridge device changes' AND datname = current_database()")
                .mapTo(Boolean.class).list()).containsExactly(true));
        db.jdbi().useTransaction(h -> {
            h.execute("DELETE FROM devices WHERE id = 'd1'");
            h.execute("UPDATE device_credentials SET expires_at = now() + interval '1 hour' WHERE device_id = 'd2'");
        });
        connecting.countDown();

        await().atMost(15, TimeUnit.SECONDS).until(() -> replays.size() == 2);
        assertThat(changes).as("the notifications were lost").noneMatch(c -> c.kind() == DeviceChange.Kind.DELETED);
        assertThat(replays.get(1)).anySatisfy(c -> {
            assertThat(c.deviceId()).isEqualTo("d1");
            assertThat(c.kind()).isEqualTo(DeviceChange.Kind.DELETED);
        }).anySatisfy(c -> {
            assertThat(c.deviceId()).isEqualTo("d2");
            assertThat(c.kind()).isEqualTo(DeviceChange.Kind.CREDENTIALS);
            assertThat(Duration.between(c.at(), c.until())).isBetween(Duration.ofMinutes(59), Duration.ofMinutes(61));
        });
    }

    @Test
    void theFirstListeningReplaysWhatTheLogKeepsButNotAddedCredentialsOrDisabling() throws Exception {
        db.database().devices().setEnabled("d1", false);
        db.database().devices().create(NewDevice.of("d3"));
        db.database().credentials().setPassword("d3", "added");
        db.database().devices().delete("d1");
        List<List<DeviceChange>> firstReplay = new CopyOnWriteArrayList<>();

        try (DeviceChangeListener second = DeviceChangeListener.start(db.database()::openDedicatedConnection,
                new DeviceChangeListener.Handler() {
                    @Override
                    public void onChange(DeviceChange change) {
                    }

                    @Override
                    public void reconcile() {
                    }

                    @Override
                    public void replay(List<DeviceChange> missed) {
                        firstReplay.add(missed);
                    }
                })) {
            await().atMost(10, TimeUnit.SECONDS).until(() -> !firstReplay.isEmpty());
        }

        // d1's deletion, and its credential, which went with it; nothing of d3's added password or the disabling.
        assertThat(firstReplay.get(0)).extracting(DeviceChange::deviceId, DeviceChange::kind).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("d1", DeviceChange.Kind.DELETED),
                org.assertj.core.groups.Tuple.tuple("d1", DeviceChange.Kind.CREDENTIALS));
    }

    @Test
    void unreadablePayloadsAreIgnored() {
        assertThat(DeviceChangeListener.parse("not json")).isNull();
        assertThat(DeviceChangeListener.parse("{\"device\":\"d\",\"change\":\"exploded\",\"at\":1}")).isNull();
        assertThat(DeviceChangeListener.parse("{\"device\":\"d\",\"change\":\"acl\",\"at\":1,\"until\":null}"))
                .isEqualTo(new DeviceChange("d", DeviceChange.Kind.ACL, java.time.Instant.ofEpochMilli(1), null));
    }
}
