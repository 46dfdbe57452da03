package io.mqttbridge.broker.session;

import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.metrics.BrokerMetrics.DropReason;
import io.mqttbridge.broker.netty.RoutedMessage;
import io.mqttbridge.broker.spi.PublishedMessage;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.function.Predicate;

/**
 * The queue in front of a session's outbound flows and its accounting: how many messages and bytes
 * wait, against the bounds {@code maxQueuedMessagesPerSession} and {@code maxQueuedBytesPerSession},
 * kept in step with the {@code mqtt.messages.queued} gauge. What to do when it is full is {@link
 * QueueOverflow}'s business.
 *
 * <p>The queue has two parts, in this order: the messages in memory, and behind them those a
 * persistent session holds in the session store alone ({@linkplain #spill spilled}: the heap bound was
 * reached), of which only the sequence and size are kept here until they are read back ({@link
 * #takeSpilledUpTo}). Both count against the session's bounds; only the first against the heap bound.
 * {@link #isEmpty}, {@link #peekFirst}, {@link #iterator} and the other reads of messages see the
 * first part alone.
 *
 * <p>Threading: written on the session's executor only; {@link #count()} and {@link #bytes()} may be
 * read from any thread (a recent value).
 */
final class OutboundQueue implements Iterable<OutboundDelivery> {

    private static final int INITIAL_CAPACITY = 4;

    /* Per queued message, beyond payload and topic: the entry, the routed message, headers. */
    static final int MESSAGE_OVERHEAD_BYTES = 96;

    private final BrokerMetrics metrics;
    private final QueuedMemory memory;
    private final int maxMessages;
    private final long maxBytes;
    /* Created by the first message to queue: an idle subscriber-less session never has one. */
    private ArrayDeque<OutboundDelivery> queue;
    /* Behind the queue: the messages held in the session store alone, oldest first; null while none. */
    private ArrayDeque<Spilled> spilled;
    /* What the spilled messages count of bytes (session thread only). */
    private long spilledBytes;
    /* Spilled messages up to this sequence came through rules narrowed since (reviewSpilled). */
    private long spilledUnderReviewUpTo = -1;
    /* Volatile so that the REST API can read them. */
    private volatile long bytes;
    private volatile int count;
    private volatile long drops;

    /**
     * @param maxMessages the bound in messages; 0: no bound in messages, and nothing is queued while
     *     the client is away
     * @param maxBytes the bound in bytes, as {@link #bytesOf} counts them
     * @param memory what the queues of all sessions hold, told of every message in and out
     */
    OutboundQueue(BrokerMetrics metrics, int maxMessages, long maxBytes, QueuedMemory memory) {
        this.metrics = metrics;
        this.memory = memory;
        this.maxMessages = maxMessages;
        this.maxBytes = maxBytes;
    }

    /** What a message counts against the byte bound: payload, topic and a fixed overhead. */
    static int bytesOf(RoutedMessage message) {
        return message.payload().readableBytes() + message.topicUtf8().length + MESSAGE_OVERHEAD_BYTES;
    }

    /** What a stored message counts against the byte bound, as {@link #bytesOf(RoutedMessage)} would. */
    static int bytesOf(PublishedMessage message) {
        return message.payload().length + message.topic().getBytes(StandardCharsets.UTF_8).length
                + MESSAGE_OVERHEAD_BYTES;
    }

    /** One message lost because this queue had no room for it (counted by {@link QueueOverflow}). */
    void countDrop() {
        drops++;
    }

    /** Messages this session lost to a full queue since it was created; safe from any thread. */
    long drops() {
        return drops;
    }

    /** A bound of 0 messages: nothing waits for a client that is away. */
    boolean holdsNothingOffline() {
        return maxMessages == 0;
    }

    /**
     * Whether the queues of all sessions hold {@code broker.maxQueuedHeapPercent} of the heap: a message
     * that would wait here must then make room or be dropped.
     */
    boolean isMemoryFull() {
        return memory.isFull();
    }

    /** {@link #isMemoryFull} decided afresh (while sessions are restored, before the bound's refreshing starts). */
    boolean isMemoryFullNow() {
        memory.refresh();
        return memory.isFull();
    }

    /** Whether one more message of {@code incomingBytes} would pass a bound. */
    boolean isFull(long incomingBytes) {
        return (maxMessages > 0 && count >= maxMessages) || bytes + incomingBytes > maxBytes;
    }

    void addLast(OutboundDelivery delivery) {
        if (queue == null) {
            queue = new ArrayDeque<>(INITIAL_CAPACITY);
        }
        queue.addLast(delivery);
        memory.held(delivery);
        bytes += delivery.bytes;
        recount();
        metrics.queued(1);
    }

    /** A message that waits in the session store alone: its sequence there, and what it counts against the bound. */
    record Spilled(long sequence, int bytes) {
    }

    /**
     * Queues a message that the session store holds and memory does not: behind every other. From
     * now on every message that may be spilled should be, until {@link #hasSpilled} is false again,
     * or they would overtake it.
     */
    void spill(long sequence, int bytes) {
        if (spilled == null) {
            spilled = new ArrayDeque<>(INITIAL_CAPACITY);
        }
        spilled.addLast(new Spilled(sequence, bytes));
        this.bytes += bytes;
        spilledBytes += bytes;
        recount();
        metrics.queued(1);
        metrics.queuedInStore(1);
    }

    /**
     * The rules of the session narrowed: takes out the non-shared messages queued in memory whose topic
     * {@code revoked} matches. The messages spilled so far came through the old rules too and are
     * checked against the new ones when read back ({@link SpilledMessageReader}); later ones come
     * through the new ones.
     */
    List<OutboundDelivery> takeRevoked(Predicate<String> revoked) {
        if (hasSpilled()) {
            spilledUnderReviewUpTo = spilled.peekLast().sequence();
        }
        return takeIf(pending -> pending.sharedGroup == null && revoked.test(pending.message.message().topic()));
    }

    /** Whether the spilled message of {@code sequence} came through rules narrowed since. */
    boolean spilledUnderReview(long sequence) {
        return sequence <= spilledUnderReviewUpTo;
    }

    /** Whether messages wait in the session store alone. */
    boolean hasSpilled() {
        return spilled != null && !spilled.isEmpty();
    }

    /** The sequence of the oldest message that waits in the session store alone; 0 when none does. */
    long firstSpilledSequence() {
        return hasSpilled() ? spilled.peekFirst().sequence() : 0;
    }

    /**
     * The sequence of the last of the oldest spilled messages that together count at most {@code
     * maxBytes} and are at most {@code maxMessages} (at least one); 0 when none is spilled.
     */
    long spilledPageEnd(int maxMessages, long maxBytes) {
        if (!hasSpilled()) {
            return 0;
        }
        long end = 0;
        long pageBytes = 0;
        int messages = 0;
        for (Spilled s : spilled) {
            if (messages > 0 && (messages >= maxMessages || pageBytes + s.bytes() > maxBytes)) {
                break;
            }
            end = s.sequence();
            pageBytes += s.bytes();
            messages++;
        }
        return end;
    }

    /** The bytes of the spilled messages up to {@code lastSequence} (a page of {@link #spilledPageEnd}). */
    long spilledBytesUpTo(long lastSequence) {
        long total = 0;
        for (Spilled s : spilled) {
            if (s.sequence() > lastSequence) {
                break;
            }
            total += s.bytes();
        }
        return total;
    }

    /**
     * Takes the spilled messages up to {@code lastSequence} (the oldest first), out of the accounting:
     * the caller {@linkplain #addLast queues} what it read back of them, in this order.
     */
    List<Spilled> takeSpilledUpTo(long lastSequence) {
        List<Spilled> taken = new ArrayList<>();
        while (hasSpilled() && spilled.peekFirst().sequence() <= lastSequence) {
            Spilled first = spilled.pollFirst();
            bytes -= first.bytes();
            spilledBytes -= first.bytes();
            recount();
            metrics.queued(-1);
            metrics.queuedInStore(-1);
            taken.add(first);
        }
        return taken;
    }

    /** The oldest message, taken out of the queue and its accounting; {@code null} when empty. */
    OutboundDelivery pollFirst() {
        OutboundDelivery first = pollFirstHeld();
        if (first != null) {
            memory.released(first);
        }
        return first;
    }

    /**
     * The oldest message, taken out of the queue's accounting but still held against the heap bound:
     * the caller passes that hold on ({@link UnacknowledgedDeliveries#addHeld}) or gives it back
     * ({@link #releaseHeld}). A message sent and waiting for its acknowledgement so moves from the queue
     * to the unacknowledged without being counted out and in again (two atomic updates of a counter
     * that every session holding the message shares). {@code null} when empty.
     */
    OutboundDelivery pollFirstHeld() {
        OutboundDelivery first = queue == null ? null : queue.pollFirst();
        if (first != null) {
            bytes -= first.bytes;
            recount();
            metrics.queued(-1);
        }
        return first;
    }

    /** Gives back the hold of a message taken by {@link #pollFirstHeld} that nothing holds any more. */
    void releaseHeld(OutboundDelivery delivery) {
        memory.released(delivery);
    }

    /** The oldest message, left in the queue; {@code null} when empty. */
    OutboundDelivery peekFirst() {
        return queue == null ? null : queue.peekFirst();
    }

    /** Whether no message waits in memory (some may be {@linkplain #hasSpilled spilled}). */
    boolean isEmpty() {
        return queue == null || queue.isEmpty();
    }

    /** What the messages waiting in memory count of bytes, as the bound counts them. */
    long memoryBytes() {
        return bytes - spilledBytes;
    }

    /** Messages waiting in memory. */
    int size() {
        return queue == null ? 0 : queue.size();
    }

    /** QoS 0 messages are not kept for a client that went away: each is counted as dropped. */
    void dropQos0() {
        if (queue == null) {
            return;
        }
        queue.removeIf(delivery -> {
            if (delivery.qos == 0) {
                memory.released(delivery);
                bytes -= delivery.bytes;
                metrics.queued(-1);
                metrics.dropped(DropReason.QOS0_OFFLINE);
                return true;
            }
            return false;
        });
        recount();
    }

    /** Takes the messages that match out of the queue and its accounting; oldest first. */
    List<OutboundDelivery> takeIf(Predicate<OutboundDelivery> match) {
        List<OutboundDelivery> taken = new ArrayList<>(0);
        if (queue == null) {
            return taken;
        }
        for (Iterator<OutboundDelivery> it = queue.iterator(); it.hasNext(); ) {
            OutboundDelivery delivery = it.next();
            if (match.test(delivery)) {
                it.remove();
                memory.released(delivery);
                bytes -= delivery.bytes;
                recount();
                metrics.queued(-1);
                taken.add(delivery);
            }
        }
        return taken;
    }

    /** Forgets everything queued (the session ended). */
    void clear() {
        if (spilled != null) {
            metrics.queued(-spilled.size());
            metrics.queuedInStore(-spilled.size());
            spilled.clear();
            spilledBytes = 0;
        }
        if (queue != null) {
            metrics.queued(-queue.size());
            for (OutboundDelivery delivery : queue) {
                memory.released(delivery);
            }
            queue.clear();
        }
        bytes = 0;
        count = 0;
    }

    /* Both parts. */
    private void recount() {
        count = size() + (spilled == null ? 0 : spilled.size());
    }

    /** Messages queued, in memory and spilled; safe from any thread. */
    int count() {
        return count;
    }

    /** Their bytes as the bound counts them, in memory and spilled; safe from any thread. */
    long bytes() {
        return bytes;
    }

    /** Oldest first. */
    @Override
    public Iterator<OutboundDelivery> iterator() {
        return queue == null ? Collections.emptyIterator() : queue.iterator();
    }
}
