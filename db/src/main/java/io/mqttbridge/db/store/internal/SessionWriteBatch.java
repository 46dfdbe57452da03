package io.mqttbridge.db.store.internal;

import io.mqttbridge.broker.spi.SessionSnapshot;
import io.mqttbridge.broker.spi.SessionSnapshot.PendingMessage;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Applies the session store's coalesced writes (the latest of each {@link SessionWrite} key, in the
 * order of those writes) in one transaction. Snapshots and removals, which touch every row of their
 * client, keep their place in the order (a message appended after its session's snapshot stays);
 * the writes between them touch one row each, distinct rows, and go grouped by kind, one statement
 * or JDBC batch per kind, so a burst of interleaved appends, acknowledgements and QoS 2 records costs
 * a few round trips, not one per change of kind. Once the transaction committed, the stored messages
 * whose references it deleted are {@linkplain StoredMessageRows#forgetUnreferenced forgotten} if
 * nothing refers to them any more.
 *
 * <p>Threading: called only on the store's writer thread ({@link CoalescingWriter}); blocks on the
 * database. A failure rolls the whole batch back and the writer retries it.
 */
public final class SessionWriteBatch implements CoalescingWriter.BatchApplier<SessionWrite, Object> {

    /** The row change a write stands for, decided by its key and value. */
    enum Kind { SAVE, REMOVE, APPEND, ACKNOWLEDGE, SENDING_QOS2, RECEIVED_QOS2, RELEASED_QOS2 }

    private final Jdbi jdbi;
    private final String nodeId;

    /** @param nodeId the node that owns the sessions it saves */
    public SessionWriteBatch(Jdbi jdbi, String nodeId) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
        this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
    }

    @Override
    public void apply(Map<SessionWrite, Object> latest) {
        // The digests of the stored messages whose references this batch deleted: forgotten once it
        // committed, if nothing refers to them any more (see StoredMessageRows).
        List<byte[]> released = new ArrayList<>();
        jdbi.useTransaction(h -> {
            // Each key has one write here (the latest), and the other kinds' keys are the rows' own keys, so
            // between two snapshots or removals (which touch every row of a client) the writes touch
            // distinct rows and may go grouped by kind: one JDBC batch per kind instead of one per run.
            Map<Kind, List<Map.Entry<SessionWrite, Object>>> grouped = new EnumMap<>(Kind.class);
            Kind wholeKind = null;
            List<Map.Entry<SessionWrite, Object>> whole = new ArrayList<>();
            for (Map.Entry<SessionWrite, Object> write : latest.entrySet()) {
                Kind kind = kindOf(write.getKey(), write.getValue());
                boolean wholeSession = kind == Kind.SAVE || kind == Kind.REMOVE;
                if (!wholeSession) {
                    if (!whole.isEmpty()) {
                        applyRun(h, wholeKind, whole, released);
                        whole.clear();
                    }
                    grouped.computeIfAbsent(kind, k -> new ArrayList<>()).add(write);
                    continue;
                }
                applyGrouped(h, grouped, released);
                if (kind != wholeKind && !whole.isEmpty()) {
                    applyRun(h, wholeKind, whole, released);
                    whole.clear();
                }
                wholeKind = kind;
                whole.add(write);
            }
            applyGrouped(h, grouped, released);
            if (!whole.isEmpty()) {
                applyRun(h, wholeKind, whole, released);
            }
        });
        StoredMessageRows.forgetUnreferenced(jdbi, released);
    }

    private void applyGrouped(Handle h, Map<Kind, List<Map.Entry<SessionWrite, Object>>> grouped,
            List<byte[]> released) {
        for (Map.Entry<Kind, List<Map.Entry<SessionWrite, Object>>> run : grouped.entrySet()) {
            applyRun(h, run.getKey(), run.getValue(), released);
        }
        grouped.clear();
    }

    static Kind kindOf(SessionWrite key, Object value) {
        if (key instanceof SessionWrite.State) {
            return value == null ? Kind.REMOVE : Kind.SAVE;
        }
        if (key instanceof SessionWrite.InboundQos2) {
            return value == null ? Kind.RELEASED_QOS2
                    : value instanceof SessionWrite.Sending ? Kind.SENDING_QOS2 : Kind.RECEIVED_QOS2;
        }
        return value == null ? Kind.ACKNOWLEDGE : Kind.APPEND;
    }

    /* Adds to released the digests of the stored messages whose references the run deleted. */
    private void applyRun(Handle h, Kind kind, List<Map.Entry<SessionWrite, Object>> run, List<byte[]> released) {
        switch (kind) {
            case SAVE -> {
                List<SessionSnapshot> snapshots = run.stream().map(e -> (SessionSnapshot) e.getValue()).toList();
                SessionStateRows.upsert(h, nodeId, snapshots);
                released.addAll(SessionMessageRows.replace(h, snapshots));
            }
            case REMOVE -> {
                List<String> ids = run.stream().map(e -> e.getKey().clientId()).toList();
                SessionStateRows.delete(h, ids);
                released.addAll(SessionMessageRows.deleteAll(h, ids));
                InboundQos2Rows.deleteAll(h, ids);
            }
            case SENDING_QOS2 -> InboundQos2Rows.sending(h, run.stream()
                    .map(e -> Map.entry((SessionWrite.InboundQos2) e.getKey(), (SessionWrite.Sending) e.getValue()))
                    .toList());
            case RECEIVED_QOS2 -> InboundQos2Rows.received(h, keys(run, SessionWrite.InboundQos2.class));
            case RELEASED_QOS2 -> InboundQos2Rows.released(h, keys(run, SessionWrite.InboundQos2.class));
            case APPEND -> SessionMessageRows.upsert(h, run.stream()
                    .map(e -> Map.entry(e.getKey().clientId(), (PendingMessage) e.getValue()))
                    .toList());
            case ACKNOWLEDGE -> released.addAll(SessionMessageRows.acknowledge(h, keys(run, SessionWrite.Message.class)));
        }
    }

    private static <K extends SessionWrite> List<K> keys(List<Map.Entry<SessionWrite, Object>> run, Class<K> type) {
        return run.stream().map(e -> type.cast(e.getKey())).toList();
    }
}
