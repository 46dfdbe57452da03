package io.mqttbridge.broker.session;

import io.mqttbridge.broker.metrics.BrokerMetrics.DropReason;
import io.mqttbridge.broker.netty.RoutedMessage;
import io.mqttbridge.broker.spi.SessionSnapshot.PendingMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * Reads back the messages a persistent session holds in the session store alone ({@linkplain
 * OutboundQueue#spill spilled}: they arrived while the heap bound was reached), a page at a time, once
 * its client is connected and has taken most of what waits in memory. A page is at most {@value
 * #PAGE_MESSAGES} messages and {@link QueuedMemory#CONNECTED_SLACK_BYTES}: what a connected client may
 * have waiting in memory whatever the heap bound says, so a session that drains its backlog has at most
 * about that of it queued (and its window of messages sent and not acknowledged yet). The pages of all
 * sessions share a room of a quarter of the heap bound past it ({@link QueuedMemory#reserveReadBack}):
 * when a fleet reconnects after a restart, thousands of sessions read back at once, and a page each
 * would pass the bound by a megabyte or more per session. A session that
 * finds no room waits until it holds nothing, then reads one message. One read at a time per session; a
 * failed read is tried again after {@value #RETRY_MILLIS} ms.
 *
 * <p>Threading: confined to the session's executor, like the {@link OutboundQosFlows} that owns it; the
 * store's answer comes back as a task of the session.
 */
final class SpilledMessageReader {

    private static final Logger LOG = LoggerFactory.getLogger(SpilledMessageReader.class);

    /** The most messages one read brings back. */
    static final int PAGE_MESSAGES = 128;

    static final long RETRY_MILLIS = 1_000;

    private final Session session;
    private final OutboundQueue queue;
    private final QueuedMemory memory;
    private final Runnable pump;
    private final LongConsumer forgetStored;
    private boolean reading;

    /**
     * @param pump sends what the client's window allows (after a read, or to try a failed one again)
     * @param forgetStored removes the stored copy of a message read back and not delivered
     */
    SpilledMessageReader(Session session, OutboundQueue queue, Runnable pump, LongConsumer forgetStored) {
        this.session = session;
        this.queue = queue;
        this.memory = session.manager().queuedMemory();
        this.pump = pump;
        this.forgetStored = forgetStored;
    }

    /**
     * Starts reading the next page back when messages are spilled, none is being read, and fewer
     * than half a page of messages, and less than a page of bytes, wait in memory; called when the
     * client can take more. All sessions' pages together take the heap bound's count at most a quarter
     * past the bound ({@link QueuedMemory#reserveReadBack}); a session that finds no room reads nothing
     * until it holds nothing else (nothing queued, nothing unacknowledged), and then one message.
     *
     * @param unacknowledged how many messages the client has not acknowledged yet
     */
    void readIfDue(int unacknowledged) {
        if (reading || !queue.hasSpilled() || queue.size() >= PAGE_MESSAGES / 2
                || queue.memoryBytes() >= QueuedMemory.CONNECTED_SLACK_BYTES) {
            return;
        }
        long to = queue.spilledPageEnd(PAGE_MESSAGES, QueuedMemory.CONNECTED_SLACK_BYTES);
        long pageBytes = queue.spilledBytesUpTo(to);
        if (!memory.reserveReadBack(pageBytes, false)) {
            if (!queue.isEmpty() || unacknowledged > 0) {
                return; // called again when the client has taken some of what it holds
            }
            to = queue.spilledPageEnd(1, 0);
            pageBytes = queue.spilledBytesUpTo(to);
            memory.reserveReadBack(pageBytes, true);
        }
        reading = true;
        long reserved = pageBytes;
        long last = to;
        session.manager().storeWriter().loadMessages(session.clientId(), queue.firstSpilledSequence(), to)
                .whenComplete((messages, error) ->
                        // Later, not at once: the answer may come on this very thread, inside the caller's pump.
                        session.executeLater(() -> read(messages, error, last, reserved), 0));
    }

    private void read(List<PendingMessage> messages, Throwable error, long to, long reserved) {
        reading = false;
        // Counted as held from here on once queued (or not read at all).
        memory.readBackDone(reserved);
        if (error != null) {
            session.executeLater(pump, RETRY_MILLIS);
            return;
        }
        Map<Long, PendingMessage> bySequence = new HashMap<>();
        for (PendingMessage message : messages) {
            bySequence.put(message.sequence(), message);
        }
        // The spilled messages dropped (or the session's end) since the read started are gone from the
        // queue; those still there are queued behind what waits in memory, in their order, and later
        // ones stay spilled.
        for (OutboundQueue.Spilled spilled : queue.takeSpilledUpTo(to)) {
            PendingMessage stored = bySequence.get(spilled.sequence());
            if (stored == null) {
                // Its write failed (logged and counted there); nothing is left to deliver.
                LOG.warn("Message {} of client {} was not in the session store when read back", spilled.sequence(),
                        session.clientId());
                session.manager().metrics().dropped(DropReason.QUEUE_FULL);
                continue;
            }
            if (queue.spilledUnderReview(spilled.sequence())
                    && !PermissionReview.deliveredBySubscription(session, stored.message().topic())) {
                // Spilled before the session's rules narrowed, on a topic they no longer let through.
                forgetStored.accept(spilled.sequence());
                session.manager().metrics().dropped(DropReason.NOT_AUTHORIZED);
                continue;
            }
            queue.addLast(OutboundDelivery.fromStored(stored, RoutedMessage.of(stored.message()), spilled.sequence()));
        }
        pump.run();
    }
}
