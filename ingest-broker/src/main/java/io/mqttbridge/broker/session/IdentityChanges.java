package io.mqttbridge.broker.session;

import io.mqttbridge.broker.spi.ConnectionInfo;

import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Changes of identities (a device disabled, deleted, its rules or credentials changed) that a CONNECT
 * in progress may have missed. Such a change is applied to the sessions and connections an identity
 * has at that moment; a CONNECT whose authentication read the identity before the change and whose
 * session opened after it was neither refused nor reached by it (a device reconnecting while it was
 * disabled kept a working connection). A CONNECT takes a {@link #mark} before it authenticates; once
 * its session is open, so that any later change reaches it, {@link #afterConnect} applies to it again
 * what changed since: a revocation ends the identity's sessions (this one too), new rules are applied,
 * and a credentials change ends the connection when the old credentials end.
 *
 * <p>Each identity's last changes are kept in one of a fixed number of slots chosen by its hash, so
 * the memory is constant: identities sharing a slot only cause an extra re-application (at worst a
 * connection ended that the client opens again), never a missed one. Thread-safe.
 */
public final class IdentityChanges {

    /** How a change is applied again to a connection that missed it; calls must not block. */
    public interface Reapply {
        /** Ends every session and connection of {@code identity}, as for a disabled or deleted device. */
        void revoke(String identity);

        /** Authorizes every session of {@code identity} again. */
        void reauthorize(String identity);

        /** Ends the connection {@code info} at {@code at} (at once when it passed). */
        void disconnectAt(ConnectionInfo info, Instant at);
    }

    private static final int SLOTS = 4096;

    private final AtomicLong sequence = new AtomicLong();
    private final AtomicLongArray revoked = new AtomicLongArray(SLOTS);
    private final AtomicLongArray reauthorized = new AtomicLongArray(SLOTS);
    private final AtomicLongArray credentialsChanged = new AtomicLongArray(SLOTS);
    /* For each slot, the latest end of old credentials (epoch milliseconds). */
    private final AtomicLongArray credentialsEnd = new AtomicLongArray(SLOTS);
    private volatile Reapply reapply;

    /** Binds what {@link #afterConnect} does; set once by the broker. */
    public void bind(Reapply reapply) {
        this.reapply = Objects.requireNonNull(reapply, "reapply");
    }

    /** The point a CONNECT starts from, taken before it authenticates. */
    public long mark() {
        return sequence.get();
    }

    /** {@code identity} was disabled or deleted; recorded before its sessions are ended. */
    public void revoked(String identity) {
        record(revoked, identity);
    }

    /** {@code identity}'s rules (or its being enabled) changed; recorded before its sessions are authorized again. */
    public void reauthorized(String identity) {
        record(reauthorized, identity);
    }

    /**
     * {@code identity}'s credentials changed: connections authenticated before end at {@code oldEnd}
     * (at once when a credential was removed, at the end of a rotation's grace period otherwise).
     */
    public void credentialsChanged(String identity, Instant oldEnd) {
        int slot = slot(identity);
        credentialsEnd.accumulateAndGet(slot, oldEnd.toEpochMilli(), Math::max);
        credentialsChanged.accumulateAndGet(slot, sequence.incrementAndGet(), Math::max);
    }

    /**
     * A CONNECT that took {@code mark} before it authenticated has its session open: what changed of
     * its identity since is applied to it again.
     */
    public void afterConnect(ConnectionInfo info, long mark) {
        String identity = info.identity() == null ? null : info.identity().deviceId();
        Reapply bound = reapply;
        if (identity == null || bound == null) {
            return;
        }
        int slot = slot(identity);
        if (revoked.get(slot) > mark) {
            bound.revoke(identity);
            return;
        }
        if (reauthorized.get(slot) > mark) {
            bound.reauthorize(identity);
        }
        if (credentialsChanged.get(slot) > mark) {
            bound.disconnectAt(info, Instant.ofEpochMilli(credentialsEnd.get(slot)));
        }
    }

    private void record(AtomicLongArray kind, String identity) {
        kind.accumulateAndGet(slot(identity), sequence.incrementAndGet(), Math::max);
    }

    private static int slot(String identity) {
        return (identity.hashCode() & Integer.MAX_VALUE) % SLOTS;
    }
}
