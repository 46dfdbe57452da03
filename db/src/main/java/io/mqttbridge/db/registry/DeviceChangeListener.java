package io.mqttbridge.db.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hears every committed device change of the cluster (PostgreSQL LISTEN on
 * {@value DeviceChange#CHANNEL}, written by triggers in the changing transaction) and hands it to a
 * {@link Handler}, so that a change made through the REST API of any node reaches the sessions this
 * node holds. Independent of Kafka: only PostgreSQL, which every node already shares.
 *
 * <p>Notifications sent while this listener is not listening (its connection broke, PostgreSQL
 * restarted) are lost: after every (re)connection the handler is asked to {@link Handler#reconcile()}
 * against the current state of the devices it holds sessions of, and is handed the deletions and
 * credential changes the database logged since a little before the listening stopped (at the first
 * connection: all it keeps, a day's), whose effect that state cannot show ({@link Handler#replay}).
 *
 * <p>Threading: one daemon thread per listener holds one connection of its own (outside the pool,
 * {@code Database.openDedicatedConnection}) and calls the handler; handlers must not block it for long.
 */
public final class DeviceChangeListener implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DeviceChangeListener.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How long one wait for notifications lasts; also how soon {@link #close()} is noticed. */
    private static final int POLL_MILLIS = 500;
    static final long MAX_RETRY_MILLIS = 5_000;
    /* How far before the listening stopped a replay starts (a change is logged with its transaction's start). */
    private static final Duration REPLAY_MARGIN = Duration.ofMinutes(5);

    /** What a node does with device changes. */
    public interface Handler {
        /** Applies one change to this node's sessions and caches. */
        void onChange(DeviceChange change);

        /** Brings this node's sessions and caches in line with the devices as they are now. */
        void reconcile();

        /**
         * Applies deletions and credential changes that may have been missed, oldest first, after a
         * {@link #reconcile()}. Some were heard already (the replay starts before the listening
         * stopped), so applying one must be harmless when done twice or late.
         */
        default void replay(List<DeviceChange> missed) {
        }
    }

    /** Opens the listener's own connection (not one of the pool: it is held for good). */
    @FunctionalInterface
    public interface ConnectionOpener {
        Connection open() throws SQLException;
    }

    private final ConnectionOpener connections;
    private final Handler handler;
    private final Thread thread;
    private final CountDownLatch firstListen = new CountDownLatch(1);
    private volatile boolean running = true;
    /* Where the next replay starts: all the log keeps at first, then a little before the listening stopped. */
    private Instant replayFrom = Instant.EPOCH;

    private DeviceChangeListener(ConnectionOpener connections, Handler handler) {
        this.connections = Objects.requireNonNull(connections, "connections");
        this.handler = Objects.requireNonNull(handler, "handler");
        this.thread = new Thread(this::run, "device-change-listener");
        this.thread.setDaemon(true);
    }

    /**
     * Starts listening; returns once the first LISTEN is in place and the first reconciliation was
     * asked for (or after 10 s of trying).
     */
    public static DeviceChangeListener start(ConnectionOpener connections, Handler handler) {
        DeviceChangeListener listener = new DeviceChangeListener(connections, handler);
        listener.thread.start();
        try {
            if (!listener.firstListen.await(10, TimeUnit.SECONDS)) {
                LOG.warn("Not yet listening for device changes; retrying in the background");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return listener;
    }

    private void run() {
        long retryMillis = 100;
        while (running) {
            try (Connection c = connections.open()) {
                c.setAutoCommit(true);
                try (Statement statement = c.createStatement()) {
                    statement.execute("LISTEN " + DeviceChange.CHANNEL);
                }
                PGConnection pg = c.unwrap(PGConnection.class);
                retryMillis = 100;
                // Whatever changed while nobody listened (or before the first LISTEN) is caught up here.
                safely(handler::reconcile, "reconcile");
                List<DeviceChange> missed = logged(c, replayFrom);
                safely(() -> handler.replay(missed), "replay " + missed.size() + " logged changes");
                replayFrom = null;
                firstListen.countDown();
                while (running) {
                    PGNotification[] notifications = pg.getNotifications(POLL_MILLIS);
                    if (notifications == null) {
                        continue;
                    }
                    for (PGNotification notification : notifications) {
                        DeviceChange change = parse(notification.getParameter());
                        if (change != null) {
                            safely(() -> handler.onChange(change), "apply " + change);
                        }
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (!running) {
                    return;
                }
                if (replayFrom == null) {
                    replayFrom = Instant.now().minus(REPLAY_MARGIN);
                }
                LOG.warn("Listening for device changes failed ({}); retrying in {} ms", e.toString(), retryMillis);
                try {
                    Thread.sleep(retryMillis);
                } catch (InterruptedException interrupted) {
                    return;
                }
                retryMillis = Math.min(MAX_RETRY_MILLIS, retryMillis * 2);
            }
        }
    }

    /** The deletions and credential changes logged since {@code since}, oldest first. */
    static List<DeviceChange> logged(Connection c, Instant since) throws SQLException {
        List<DeviceChange> logged = new ArrayList<>();
        try (PreparedStatement query = c.prepareStatement(
                "SELECT device_id, change, at, until FROM device_change_log WHERE at >= ? ORDER BY id")) {
            query.setTimestamp(1, Timestamp.from(since));
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    Timestamp until = rows.getTimestamp("until");
                    logged.add(new DeviceChange(rows.getString("device_id"),
                            DeviceChange.Kind.valueOf(rows.getString("change").toUpperCase(Locale.ROOT)),
                            rows.getTimestamp("at").toInstant(), until == null ? null : until.toInstant()));
                }
            }
        }
        return logged;
    }

    /** @return the change, or {@code null} (logged) for a payload this version does not understand */
    static DeviceChange parse(String payload) {
        try {
            JsonNode node = JSON.readTree(payload);
            JsonNode until = node.path("until");
            return new DeviceChange(node.get("device").asText(),
                    DeviceChange.Kind.valueOf(node.get("change").asText().toUpperCase(Locale.ROOT)),
                    Instant.ofEpochMilli(node.get("at").asLong()),
                    until.isNull() || until.isMissingNode() ? null : Instant.ofEpochMilli(until.asLong()));
        } catch (Exception e) {
            LOG.warn("Ignoring a device change notification that cannot be read: {}", payload);
            return null;
        }
    }

    private static void safely(Runnable action, String what) {
        try {
            action.run();
        } catch (RuntimeException e) {
            LOG.warn("Device change listener could not {}", what, e);
        }
    }

    /** Stops listening; returns once the thread ended. */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
