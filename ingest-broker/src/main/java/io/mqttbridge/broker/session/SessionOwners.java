package io.mqttbridge.broker.session;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Which identity each live session of this node belongs to, counted per identity for the
 * sessions-per-identity limit. A session created by an authenticated identity belongs to it, so
 * that a client id alone never gives access to another device's session.
 *
 * <p>Threading: callable from any thread. A session's owner is changed only inside the registry's
 * per-client-id {@code compute} (or before a restored session is published), hence atomically with
 * the ownership check; the counts are approximate while connects race.
 */
final class SessionOwners {

    private final ConcurrentHashMap<String, AtomicInteger> owned = new ConcurrentHashMap<>();

    /** {@code session} now belongs to {@code owner} (null = anonymous: it keeps its owner). */
    void claim(Session session, String owner) {
        if (owner != null && !owner.equals(session.owner())) {
            session.claimBy(owner);
            count(owner);
        }
    }

    /** {@code session}, which keeps its owner, is live again (revived under its client id). */
    void revived(Session session) {
        if (session.owner() != null) {
            count(session.owner());
        }
    }

    /** {@code session} is no longer live on this node (ended, moved away, or lost a race). */
    void release(Session session) {
        String owner = session.owner();
        if (owner != null) {
            owned.computeIfPresent(owner, (o, count) -> count.decrementAndGet() <= 0 ? null : count);
        }
    }

    /** Live sessions that belong to {@code owner}; approximate while connects race. */
    int countOwnedBy(String owner) {
        AtomicInteger count = owned.get(owner);
        return count == null ? 0 : count.get();
    }

    private void count(String owner) {
        owned.computeIfAbsent(owner, o -> new AtomicInteger()).incrementAndGet();
    }
}
