package io.mqttbridge.broker.spi;

import io.mqttbridge.broker.spi.SessionSnapshot.PendingMessage;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Persistence of MQTT sessions that outlive their connection (clean session 0 in 3.1.1, a non-zero
 * session expiry interval in 5.0), so that a restarted broker, or another node of a cluster, can
 * restore them.
 *
 * <p>A session's state has two parts. The <em>snapshot</em> ({@link #save}) is its expiry,
 * disconnection time and subscriptions, plus the messages it holds at that moment. The
 * <em>messages</em> are also written through one by one while the session is persistent: every
 * QoS 1/2 message queued for it or sent and unacknowledged is {@link #append appended} (keyed by
 * its {@link PendingMessage#sequence() sequence}, unique and increasing within the session) before
 * the broker acknowledges it to its publisher, appended again when its state changes (PUBREC
 * received), and {@link #acknowledge acknowledged} when it is complete (PUBACK, PUBCOMP) or dropped.
 * So a persistent session's queued messages survive a crash of the node, not only an orderly stop.
 *
 * <p>The <em>inbound QoS 2 state</em> is written through as well: the packet id of every QoS 2
 * message the client published is {@link #receivedQos2 recorded} once the message is in the sink
 * and with its subscribers, before the broker sends PUBREC, and {@link #releasedQos2 forgotten} at
 * PUBREL. A client that retransmits such a PUBLISH after a crash of the node, or on another node,
 * is then answered with PUBREC and the message is not taken in twice.
 *
 * <p>When the broker calls what: {@link #save} when a persistent session attaches or goes offline,
 * when its subscriptions change, and for every persistent session when the broker stops;
 * {@link #remove} when a session ends (expiry, clean start, clean disconnect); {@link #loadAll} once,
 * while starting, before accepting connections; {@link #load} when a node takes a session over.
 *
 * <p>Semantics a store must keep, for each client id: the calls are applied in call order. A
 * {@link #save} replaces the state and the whole set of messages with the snapshot's (messages of
 * the session not in the snapshot are gone); {@link #append} stores or replaces one message;
 * {@link #acknowledge} removes one (absent: nothing happens); {@link #remove} removes the state,
 * every message and the inbound QoS 2 packet ids (received and in doubt); {@link #save} leaves those packet ids as they are. {@link #load} and {@link #loadAll} return snapshots whose
 * {@link SessionSnapshot#pending() pending} messages are the stored ones, ordered by sequence, and whose
 * {@link SessionSnapshot#inboundQos2() inboundQos2} are the recorded packet ids; a
 * client id with messages but no saved state is not returned (the broker saves a persistent
 * session's state when it attaches, before any message is appended for it).
 *
 * <p>Threading: called on event loops (and on the thread calling {@code MqttBroker.start/stop});
 * must not block. Futures may complete on any thread. Calls for one client id are made in order,
 * but the broker does not wait for one to complete before issuing the next, so implementations
 * must apply them in call order. Implementations must be thread-safe.
 *
 * <p>Errors: failures of {@link #save}, {@link #remove} and {@link #acknowledge} are logged and
 * counted; the live session is unaffected. A failed {@link #append} fails the acknowledgement of the
 * message to its publisher (MQTT 5: reason code 0x80; 3.1.1: no acknowledgement). A failed
 * {@link #loadAll} fails the broker's start; a failed {@link #load} fails the takeover.
 */
public interface SessionStore {

    /**
     * The sessions this node owns (the ones it saved last), with their messages. A store may read
     * them in pages; the broker holds every session in memory anyway.
     */
    CompletableFuture<Collection<SessionSnapshot>> loadAll();

    /**
     * {@link #loadAll()} a page at a time: {@code page} is called with each page, in order, and the
     * next is read only once it returned, so only one page of snapshots is in memory at once (a
     * start-up with a million stored sessions). This default hands everything over as one page.
     *
     * @return completes when every page was handled; fails with the first failure of a read or of
     *     {@code page}
     */
    default CompletableFuture<Void> loadAll(Consumer<List<SessionSnapshot>> page) {
        return loadAll().thenAccept(all -> page.accept(List.copyOf(all)));
    }

    /**
     * {@link #loadAll(Consumer)} reading the content of at most about {@code messageBudgetBytes} of
     * queued messages (payload and topic; a message several sessions hold counts once): past it, a
     * session's queued messages, never sent and not of a shared subscription, come as {@link
     * SessionSnapshot#storedOnly} (sequence and size), all after those in its {@code pending}, for the
     * broker to read back when their client can take them. A node restarted with less heap than its
     * sessions' messages take so comes up. The default reads everything.
     */
    default CompletableFuture<Void> loadAll(Consumer<List<SessionSnapshot>> page, long messageBudgetBytes) {
        return loadAll(page);
    }

    /**
     * The latest state of one client's session, whichever node saved it, with its messages; empty
     * when no state is stored for {@code clientId}. Sees every write issued through this store
     * before the call.
     */
    CompletableFuture<Optional<SessionSnapshot>> load(String clientId);

    /**
     * The identity the stored session of {@code clientId} belongs to; empty when no session is stored
     * or it has no owner. What a connecting identity is checked against before it may take a session
     * over, without reading the session's messages. Sees every write issued through this store before
     * the call.
     */
    default CompletableFuture<Optional<String>> ownerOf(String clientId) {
        return load(clientId).thenApply(stored -> stored.map(SessionSnapshot::owner));
    }

    /** Replaces the session's state and its set of messages with the snapshot's; this node now owns it. */
    CompletableFuture<Void> save(SessionSnapshot snapshot);

    /** Removes the session's state and all its messages. */
    CompletableFuture<Void> remove(String clientId);

    /**
     * Stores (or replaces) one message of the session, identified by its sequence. The future
     * completes once the message is durable: the broker acknowledges the message's publisher only
     * then, and sends a QoS 2 message to the session's client only then.
     */
    CompletableFuture<Void> append(String clientId, PendingMessage message);

    /** Removes the message with this sequence: delivered and acknowledged, or dropped. */
    CompletableFuture<Void> acknowledge(String clientId, long sequence);

    /**
     * The session's messages with sequences from {@code fromSequence} to {@code toSequence} (both
     * included), in sequence order, as every write submitted before this call left them: the broker
     * reads back the messages it held in the store alone once their client can take them
     * ({@link SessionSnapshot#storedOnlyFrom}). The default reads the whole session.
     */
    default CompletableFuture<List<PendingMessage>> loadMessages(String clientId, long fromSequence, long toSequence) {
        return load(clientId).thenApply(stored -> stored.map(snapshot -> snapshot.pending().stream()
                        .filter(m -> m.sequence() >= fromSequence && m.sequence() <= toSequence)
                        .toList())
                .orElse(List.of()));
    }

    /**
     * Records that the session's client published a QoS 2 message with {@code packetId} that is now
     * stored (in the sink, and with every persistent subscriber): the broker sends PUBREC only once
     * the future completes. The default keeps nothing, so QoS 2 is exactly once only while the node
     * that received the message lives; a store that survives the node overrides it.
     */
    default CompletableFuture<Void> receivedQos2(String clientId, int packetId) {
        return CompletableFuture.completedFuture(null);
    }

    /**
     * Records, before the broker hands it to the sink, that the session's client published a QoS 2
     * message with {@code packetId}, received at {@code receivedAt}, whose outcome is not known yet
     * ({@link #receivedQos2} later records that it is stored). The broker hands the message to the
     * sink only once the future completes, so a message the sink may have stored always has its
     * record: when the client retransmits it after a crash, or on another node, the broker asks the
     * sink ({@link PublishSink#isStored}) instead of storing it again. The default keeps nothing.
     */
    default CompletableFuture<Void> sendingQos2(String clientId, int packetId, Instant receivedAt) {
        return CompletableFuture.completedFuture(null);
    }

    /**
     * Opens a span of writes that become durable together: every write issued through this store
     * from now until the span is closed, whoever issues it, is committed in one transaction. The
     * broker opens one around the routing of a persistent session's QoS 2 message and closes it once
     * the message's {@link #receivedQos2} record is issued: the subscribers' copies and that record
     * then become durable together, so a crash never leaves the copies without the record (the
     * client's retransmission would be routed to them again). A store may break a span that stays
     * open too long, or that a read issued meanwhile would wait for; its writes are then applied in
     * call order as usual. The default groups nothing.
     */
    default WriteSpan openSpan() {
        return WriteSpan.NONE;
    }

    /**
     * Forgets {@code packetId} of {@link #receivedQos2} (PUBREL arrived, the flow is complete). The
     * broker does not wait for it; a later {@link #receivedQos2} of the same id is applied after it.
     */
    default CompletableFuture<Void> releasedQos2(String clientId, int packetId) {
        return CompletableFuture.completedFuture(null);
    }

    /**
     * {@link #load} for a node that takes the session over (after its claim in a cluster): in the
     * same atomic step this node becomes the session's owner, so that a {@link #takeSharedMessages}
     * for the node it came from, running at the same time, either leaves the messages this load
     * returns alone or ran before (then this load does not return what it took). The default is
     * {@link #load} (a store of one node).
     */
    default CompletableFuture<Optional<SessionSnapshot>> loadToHold(String clientId) {
        return load(clientId);
    }

    /**
     * {@link #loadToHold(String)} reading the content of the session's queued messages only while
     * {@code messageBudgetBytes} lasts, asked when the read starts (a takeover waits behind other reads):
     * past it they come as {@link SessionSnapshot#storedOnly}, as in {@link #loadAll(Consumer, long)}, so
     * that a node taking over a session with a backlog larger than its heap reads only what it can hold.
     * The default reads everything (a store that keeps its messages in memory anyway).
     */
    default CompletableFuture<Optional<SessionSnapshot>> loadToHold(String clientId, LongSupplier messageBudgetBytes) {
        return loadToHold(clientId);
    }

    /**
     * Takes out of the sessions that {@code node} owns (saved last) the messages that came through
     * one of the shared subscriptions {@code sharedGroups} ({@link PendingMessage#sharedGroup()}) and
     * whose delivery is not past PUBREC, atomically: two callers never get the same message, and the sessions no
     * longer hold them. Called by the survivor that won {@code round} of the recovery of the dead
     * node {@code node}, so that another member of each group gets them.
     *
     * <p>The taken messages are not gone: in the same atomic step they move to a set of messages
     * being recovered, kept for {@code node} and tagged with {@code round}, until
     * {@link #forgetRecovered} of that round. The take also returns, and tags with {@code round},
     * what an earlier take for {@code node} left there (its survivor died before it had handed
     * them over), so that a survivor that dies between its take and its hand-over loses nothing:
     * the next round hands them over (a message the dead survivor had handed over already is then
     * given twice). Loads never see them: they are no longer in any session. The default takes
     * nothing.
     *
     * @return the taken messages with their client ids, those left by earlier rounds among them,
     *         ordered by client id and sequence
     */
    default CompletableFuture<List<ClientMessage>> takeSharedMessages(String node,
            java.util.Set<String> sharedGroups, String round) {
        return CompletableFuture.completedFuture(List.of());
    }

    /**
     * Forgets the messages {@link #takeSharedMessages} took (or took again) for {@code node} in
     * {@code round}: called once they were handed over. Other rounds' messages stay. The default
     * keeps nothing to forget.
     */
    default CompletableFuture<Void> forgetRecovered(String node, String round) {
        return CompletableFuture.completedFuture(null);
    }

    /** A stored message of the session of {@code clientId}. */
    record ClientMessage(String clientId, PendingMessage message) {
    }
}
