package io.mqttbridge.broker.spi;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The durable state of one MQTT session at a point in time.
 *
 * @param clientId the session's client identifier
 * @param sessionExpirySeconds the expiry interval in force ({@link ConnectionInfo#SESSION_NEVER_EXPIRES} for never)
 * @param disconnectedAt when the session went offline, or {@code null} while it is online
 * @param subscriptions the session's subscriptions
 * @param pending messages not yet completed for this session, oldest first: unacknowledged
 *     outbound QoS 1/2 messages and messages queued while offline
 * @param owner the authenticated identity (device id) the session belongs to, {@code null} for an
 *     anonymous session: after a restart, only that identity may resume or take it over
 * @param inboundQos2 packet ids of QoS 2 messages received from the client and answered (or being
 *     answered) with PUBREC, whose PUBREL has not arrived: a PUBLISH retransmitted with one of these
 *     ids is answered with PUBREC again and not taken in a second time [MQTT-4.3.3]. Filled by
 *     {@link SessionStore#load} / {@link SessionStore#loadAll} from what
 *     {@link SessionStore#receivedQos2} wrote; a {@link SessionStore#save} ignores it
 * @param inboundQos2InDoubt QoS 2 messages received from the client that were handed to the sink
 *     but whose outcome is unknown (the node stopped before it was recorded): a retransmission with
 *     one of these ids is first looked up in the sink ({@link PublishSink#isStored}). Filled from
 *     what {@link SessionStore#sendingQos2} wrote; a {@link SessionStore#save} ignores it
 * @param storedOnlyFrom for a {@link SessionStore#save}: the session holds its messages from this
 *     sequence on in the store alone (appended, not in memory: the heap bound was reached), so the
 *     save keeps those of them that are not in {@code pending} as they are, instead of deleting them;
 *     0 when it holds none there. Loads leave it 0
 * @param storedOnly from a load with a budget ({@link SessionStore#loadAll(java.util.function.Consumer,
 *     long)}): the queued messages past the budget, whose content stayed in the store, oldest first,
 *     all after the queued ones in {@code pending}; empty otherwise, and ignored by a save
 */
public record SessionSnapshot(
        String clientId,
        long sessionExpirySeconds,
        Instant disconnectedAt,
        List<StoredSubscription> subscriptions,
        List<PendingMessage> pending,
        String owner,
        List<Integer> inboundQos2,
        List<InDoubtQos2> inboundQos2InDoubt,
        long storedOnlyFrom,
        List<StoredOnlyMessage> storedOnly) {

    public SessionSnapshot {
        Objects.requireNonNull(clientId, "clientId");
        subscriptions = subscriptions == null ? List.of() : List.copyOf(subscriptions);
        pending = pending == null ? List.of() : List.copyOf(pending);
        inboundQos2 = inboundQos2 == null ? List.of() : List.copyOf(inboundQos2);
        inboundQos2InDoubt = inboundQos2InDoubt == null ? List.of() : List.copyOf(inboundQos2InDoubt);
        if (storedOnlyFrom < 0) {
            throw new IllegalArgumentException("storedOnlyFrom must not be negative: " + storedOnlyFrom);
        }
        storedOnly = storedOnly == null ? List.of() : List.copyOf(storedOnly);
    }

    /** A snapshot whose messages are all in {@code pending}. */
    public SessionSnapshot(String clientId, long sessionExpirySeconds, Instant disconnectedAt,
                           List<StoredSubscription> subscriptions, List<PendingMessage> pending, String owner,
                           List<Integer> inboundQos2, List<InDoubtQos2> inboundQos2InDoubt) {
        this(clientId, sessionExpirySeconds, disconnectedAt, subscriptions, pending, owner, inboundQos2,
                inboundQos2InDoubt, 0, List.of());
    }

    /** A snapshot without inbound QoS 2 messages in doubt. */
    public SessionSnapshot(String clientId, long sessionExpirySeconds, Instant disconnectedAt,
                           List<StoredSubscription> subscriptions, List<PendingMessage> pending, String owner,
                           List<Integer> inboundQos2) {
        this(clientId, sessionExpirySeconds, disconnectedAt, subscriptions, pending, owner, inboundQos2, List.of());
    }

    /** A snapshot without inbound QoS 2 state (what the broker saves: that state is written through). */
    public SessionSnapshot(String clientId, long sessionExpirySeconds, Instant disconnectedAt,
                           List<StoredSubscription> subscriptions, List<PendingMessage> pending, String owner) {
        this(clientId, sessionExpirySeconds, disconnectedAt, subscriptions, pending, owner, List.of());
    }

    /** A snapshot of a session without a known owner (anonymous, or stored before owners were kept). */
    public SessionSnapshot(String clientId, long sessionExpirySeconds, Instant disconnectedAt,
                           List<StoredSubscription> subscriptions, List<PendingMessage> pending) {
        this(clientId, sessionExpirySeconds, disconnectedAt, subscriptions, pending, null);
    }

    /**
     * This snapshot with every unnumbered pending message (sequence 0) numbered after the highest
     * sequence among them, in their order; the snapshot itself when all are numbered.
     */
    public SessionSnapshot withNumberedPending() {
        long highest = 0;
        boolean unnumbered = false;
        for (PendingMessage message : pending) {
            highest = Math.max(highest, message.sequence());
            unnumbered |= message.sequence() == 0;
        }
        if (!unnumbered) {
            return this;
        }
        List<PendingMessage> numbered = new ArrayList<>(pending.size());
        for (PendingMessage m : pending) {
            numbered.add(m.sequence() != 0 ? m
                    : new PendingMessage(m.message(), m.qos(), m.packetId(), m.released(), m.subscriptionIdentifiers(),
                            ++highest, m.sharedGroup()));
        }
        return new SessionSnapshot(clientId, sessionExpirySeconds, disconnectedAt, subscriptions, numbered, owner,
                inboundQos2, inboundQos2InDoubt, storedOnlyFrom, storedOnly);
    }

    /** This snapshot with other pending messages. */
    public SessionSnapshot withPending(List<PendingMessage> messages) {
        return new SessionSnapshot(clientId, sessionExpirySeconds, disconnectedAt, subscriptions, messages, owner,
                inboundQos2, inboundQos2InDoubt, storedOnlyFrom, storedOnly);
    }

    /** This snapshot with other inbound QoS 2 packet ids. */
    public SessionSnapshot withInboundQos2(List<Integer> packetIds) {
        return new SessionSnapshot(clientId, sessionExpirySeconds, disconnectedAt, subscriptions, pending, owner,
                packetIds, inboundQos2InDoubt, storedOnlyFrom, storedOnly);
    }

    /** This snapshot with other inbound QoS 2 messages in doubt. */
    public SessionSnapshot withInboundQos2InDoubt(List<InDoubtQos2> inDoubt) {
        return new SessionSnapshot(clientId, sessionExpirySeconds, disconnectedAt, subscriptions, pending, owner,
                inboundQos2, inDoubt, storedOnlyFrom, storedOnly);
    }

    /** This snapshot saying that the session holds its messages from {@code sequence} on in the store alone. */
    public SessionSnapshot withStoredOnlyFrom(long sequence) {
        return new SessionSnapshot(clientId, sessionExpirySeconds, disconnectedAt, subscriptions, pending, owner,
                inboundQos2, inboundQos2InDoubt, sequence, storedOnly);
    }

    /** This snapshot with other messages whose content stayed in the store ({@code storedOnly}). */
    public SessionSnapshot withStoredOnly(List<StoredOnlyMessage> messages) {
        return new SessionSnapshot(clientId, sessionExpirySeconds, disconnectedAt, subscriptions, pending, owner,
                inboundQos2, inboundQos2InDoubt, storedOnlyFrom, messages);
    }

    /**
     * A queued message a load left in the store.
     *
     * @param sequence its sequence in the session
     * @param bytes about what it takes once read: its payload and topic (as the broker's queue bounds count them)
     */
    public record StoredOnlyMessage(long sequence, int bytes) {
    }

    /**
     * A QoS 2 message the client published that was handed to the sink, outcome unknown.
     *
     * @param packetId its packet id
     * @param receivedAt when the broker received it: the sink stored it with this time, which is
     *     what {@link PublishSink#isStored} looks for
     */
    public record InDoubtQos2(int packetId, Instant receivedAt) {
        public InDoubtQos2 {
            Objects.requireNonNull(receivedAt, "receivedAt");
        }
    }

    /**
     * One subscription of a session.
     *
     * @param topicFilter the filter as the client sent it, shared ones with their {@code $share/group/} prefix
     * @param qos the granted QoS
     * @param retainHandling the MQTT 5 retain handling option, 0..2
     * @param subscriptionIdentifier the MQTT 5 subscription identifier, or {@code null}
     */
    public record StoredSubscription(
            String topicFilter,
            int qos,
            boolean noLocal,
            boolean retainAsPublished,
            int retainHandling,
            Integer subscriptionIdentifier) {

        public StoredSubscription {
            Objects.requireNonNull(topicFilter, "topicFilter");
        }
    }

    /**
     * A message owed to the session.
     *
     * @param message the application message
     * @param qos the QoS of the delivery to this session
     * @param packetId the packet identifier used when it was already sent, 0 if it was never sent
     * @param released whether PUBREC was received (QoS 2): only PUBREL remains to be resent
     * @param subscriptionIdentifiers the identifiers of the matching subscriptions (MQTT 5)
     * @param sequence identifies the message within its session, increasing in the order the
     *     session received them (from 1); 0 when not yet numbered (the broker numbers it on restore)
     * @param sharedGroup the shared subscription ({@code $share/g/f}) the message came through, or
     *     {@code null}: when the session's node dies, another member of that group gets it
     */
    public record PendingMessage(
            PublishedMessage message,
            int qos,
            int packetId,
            boolean released,
            List<Integer> subscriptionIdentifiers,
            long sequence,
            String sharedGroup) {

        public PendingMessage {
            Objects.requireNonNull(message, "message");
            subscriptionIdentifiers = subscriptionIdentifiers == null ? List.of() : List.copyOf(subscriptionIdentifiers);
            if (sequence < 0) {
                throw new IllegalArgumentException("sequence must not be negative: " + sequence);
            }
        }

        /** A message that did not come through a shared subscription. */
        public PendingMessage(PublishedMessage message, int qos, int packetId, boolean released,
                              List<Integer> subscriptionIdentifiers, long sequence) {
            this(message, qos, packetId, released, subscriptionIdentifiers, sequence, null);
        }

        /** A message not numbered yet (sequence 0). */
        public PendingMessage(PublishedMessage message, int qos, int packetId, boolean released,
                              List<Integer> subscriptionIdentifiers) {
            this(message, qos, packetId, released, subscriptionIdentifiers, 0);
        }
    }
}
