package io.mqttbridge.db.store.internal;

import io.mqttbridge.broker.spi.PublishedMessage;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The content of the messages queued for several sessions, in {@code broker_stored_messages}: one
 * row per distinct message, keyed by the SHA-256 digest of its JSON, which the rows of
 * {@link SessionMessageRows} and {@link RecoveryMessageRows} refer to. So one QoS 1 message for a
 * thousand offline sessions is written once, not a thousand times, before its publisher's PUBACK. A
 * message written for one session stays in that session's row (a reference would only cost a second
 * row to write and delete).
 *
 * <p>Several nodes write and delete these rows at once (a message routed to sessions on two nodes is
 * one row), and a foreign key makes the database refuse a reference to a message that is gone. So:
 * <ul>
 *   <li>a writer {@linkplain #store stores} its messages before it refers to them, in digest order,
 *       and an existing row is updated, not skipped: the writer holds its lock until it commits, so
 *       a deletion either committed before (the row is inserted again) or waits;</li>
 *   <li>a deletion ({@link #forgetUnreferenced}) runs after the transaction that deleted the
 *       references committed, in a statement of its own: two nodes deleting the last two references
 *       at once would each still see the other's, uncommitted, and neither would delete the message;
 *       after both commits the later one sees neither. It takes only rows that nothing locks
 *       ({@code SKIP LOCKED}), so it never waits on a writer; should a reference committed since its
 *       snapshot make the database refuse it, the row stays until its last reference goes.</li>
 * </ul>
 * Two writers can still wait on each other when each stores the same messages in different runs of
 * its batch (a snapshot's, then an append's); PostgreSQL rolls one back, and {@link BatchRetries}
 * applies that batch again. A message left without references (its deletion failed, or its node
 * died between the two steps) is deleted by {@link #forgetOrphans}.
 *
 * <p>Stateless; every method runs on the caller's thread (the store's writer or reader thread, or
 * the expiry sweeper's: it blocks on the database), those with a handle in the caller's transaction.
 */
public final class StoredMessageRows {

    private static final Logger LOG = LoggerFactory.getLogger(StoredMessageRows.class);
    private static final HexFormat HEX = HexFormat.of();
    /* Digests per read query, and rows the driver holds at once (a message can be a few hundred KB). */
    private static final int DIGESTS_PER_READ = 500;
    private static final int FETCH_ROWS = 64;
    private static final String UNREFERENCED = """
            NOT EXISTS (SELECT 1 FROM broker_session_messages s WHERE s.message_digest = m.digest)
            AND NOT EXISTS (SELECT 1 FROM broker_recovery_messages r WHERE r.message_digest = m.digest)""";

    private StoredMessageRows() {
    }

    /**
     * A message's content as a row of {@link SessionMessageRows} holds it: its JSON, its digest, and
     * whether it is stored once here for several rows ({@code shared}) or in the row itself.
     */
    public record Content(String json, byte[] digest, boolean shared) {
    }

    /**
     * Encodes {@code messages}, each message object once (a message queued for many sessions is one
     * object), and stores here those that several of them share: an object that comes more than
     * once, or content equal to another's. Returns each object's content.
     */
    public static Map<PublishedMessage, Content> store(Handle h, Collection<PublishedMessage> messages) {
        Map<PublishedMessage, Integer> uses = new IdentityHashMap<>();
        messages.forEach(message -> uses.merge(message, 1, Integer::sum));
        Map<PublishedMessage, Content> contents = new IdentityHashMap<>();
        Map<String, Integer> usesOfDigest = new HashMap<>();
        uses.forEach((message, count) -> {
            String json = BrokerStateJson.writeMessage(message);
            Content content = new Content(json, digest(json), false);
            contents.put(message, content);
            usesOfDigest.merge(HEX.formatHex(content.digest()), count, Integer::sum);
        });
        // Sorted by digest: two nodes storing the same messages lock their rows in the same order.
        Map<String, String> sharedJsonByDigest = new TreeMap<>();
        contents.replaceAll((message, content) -> {
            String hex = HEX.formatHex(content.digest());
            if (usesOfDigest.get(hex) == 1) {
                return content;
            }
            sharedJsonByDigest.putIfAbsent(hex, content.json());
            return new Content(content.json(), content.digest(), true);
        });
        if (!sharedJsonByDigest.isEmpty()) {
            PreparedBatch batch = h.prepareBatch("""
                    INSERT INTO broker_stored_messages (digest, message)
                    VALUES (decode(:digest, 'hex'), CAST(:message AS jsonb))
                    ON CONFLICT (digest) DO UPDATE SET stored_at = now()""");
            sharedJsonByDigest.forEach((digest, json) -> batch.bind("digest", digest).bind("message", json).add());
            batch.execute();
        }
        return contents;
    }

    /**
     * Deletes those of {@code digests} that no session's message and no recovered message refers to
     * any more ({@code null}s, the rows that held their message themselves, are passed over). Call it
     * after the transaction that deleted references to them committed, not in it. Rows another
     * transaction holds are left; so is a row the database refuses to delete (a reference committed
     * meanwhile); a failure is logged and left to {@link #forgetOrphans}. Never throws.
     */
    public static void forgetUnreferenced(Jdbi jdbi, Collection<byte[]> digests) {
        Set<String> distinct = new LinkedHashSet<>();
        for (byte[] digest : digests) {
            if (digest != null) {
                distinct.add(HEX.formatHex(digest));
            }
        }
        if (distinct.isEmpty()) {
            return;
        }
        try {
            jdbi.useHandle(h -> h.createUpdate("""
                            DELETE FROM broker_stored_messages WHERE digest IN (
                                SELECT digest FROM broker_stored_messages m
                                 WHERE digest = ANY(ARRAY(SELECT decode(x, 'hex') FROM unnest(CAST(:digests AS text[])) AS x))
                                   AND %s
                                   FOR UPDATE SKIP LOCKED)""".formatted(UNREFERENCED))
                    .bindArray("digests", String.class, List.copyOf(distinct))
                    .execute());
        } catch (RuntimeException e) {
            LOG.debug("stored messages kept for the orphan sweep: {}", e.getMessage());
        }
    }

    /**
     * Deletes up to {@code limit} stored messages that nothing refers to and that were last stored
     * more than {@code olderThan} ago: those {@link #forgetUnreferenced} did not delete (it failed,
     * or its node died before it ran). One statement of its own.
     *
     * @return how many it deleted
     */
    public static int forgetOrphans(Jdbi jdbi, Duration olderThan, int limit) {
        return jdbi.withHandle(h -> h.createUpdate("""
                        DELETE FROM broker_stored_messages WHERE digest IN (
                            SELECT digest FROM broker_stored_messages m
                             WHERE stored_at < now() - :olderThanMillis * interval '1 millisecond'
                               AND %s
                             LIMIT :limit
                               FOR UPDATE SKIP LOCKED)""".formatted(UNREFERENCED))
                .bind("olderThanMillis", olderThan.toMillis())
                .bind("limit", limit)
                .execute());
    }

    /** Reads into {@code shared} the messages of those {@code digests} it does not hold yet ({@code null}s passed over). */
    public static void read(Handle h, Collection<byte[]> digests, SharedMessages shared) {
        Set<String> missing = new LinkedHashSet<>();
        for (byte[] digest : digests) {
            if (digest != null && shared.get(digest) == null) {
                missing.add(HEX.formatHex(digest));
            }
        }
        List<String> all = new ArrayList<>(missing);
        for (int from = 0; from < all.size(); from += DIGESTS_PER_READ) {
            h.createQuery("""
                            SELECT digest, message FROM broker_stored_messages
                             WHERE digest = ANY(ARRAY(SELECT decode(x, 'hex') FROM unnest(CAST(:digests AS text[])) AS x))""")
                    .bindArray("digests", String.class, all.subList(from, Math.min(all.size(), from + DIGESTS_PER_READ)))
                    .setFetchSize(FETCH_ROWS)
                    .map((rs, ctx) -> Map.entry(rs.getBytes("digest"), rs.getString("message")))
                    .forEach(row -> shared.put(row.getKey(), decodedOnce(row.getValue(), shared)));
        }
    }

    /**
     * The message of {@code json}, a message's text as PostgreSQL returns it, decoded once per {@code
     * shared}: kept there by the digest of that text too. A message's key is the digest of the text it was
     * written as, but the database returns {@code jsonb} in a form of its own; so a message several
     * sessions share in a stored row and others hold in their own rows (written for one session at a
     * time) is one object only when both are looked up by the text read.
     */
    static PublishedMessage decodedOnce(String json, SharedMessages shared) {
        byte[] textDigest = digest(json);
        PublishedMessage message = shared.get(textDigest);
        if (message == null) {
            message = BrokerStateJson.readMessage(json);
            shared.put(textDigest, message);
        }
        return message;
    }

    /** The SHA-256 digest of a message's JSON: its key. */
    static byte[] digest(String json) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(json.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
