package io.mqttbridge.loadtool.measure;

import java.util.BitSet;

/**
 * Detects lost, duplicated and reordered messages of one subscriber from the (publisher id, sequence
 * number) carried in every payload. Each publisher numbers its messages 0, 1, 2, ...
 *
 * <p>Not thread-safe: one subscriber connection, one event loop.
 */
public final class SequenceTracker {

    /** What one received message was. */
    public enum Outcome { NEW, DUPLICATE }

    private final BitSet[] seenByPublisher;
    private final long[] nextByPublisher;
    private long duplicates;
    private long outOfOrder;
    private long unknownPublisher;

    /** @param publishers publisher ids are 0 .. publishers - 1 */
    public SequenceTracker(int publishers) {
        seenByPublisher = new BitSet[publishers];
        nextByPublisher = new long[publishers];
        for (int i = 0; i < publishers; i++) {
            seenByPublisher[i] = new BitSet();
        }
    }

    /** Records a received message; a publisher id out of range or a negative sequence is counted and ignored. */
    public Outcome record(int publisherId, long sequence) {
        if (publisherId < 0 || publisherId >= seenByPublisher.length || sequence < 0 || sequence > Integer.MAX_VALUE) {
            unknownPublisher++;
            return Outcome.DUPLICATE;
        }
        BitSet seen = seenByPublisher[publisherId];
        int index = (int) sequence;
        if (seen.get(index)) {
            duplicates++;
            return Outcome.DUPLICATE;
        }
        seen.set(index);
        if (sequence < nextByPublisher[publisherId]) {
            outOfOrder++;
        } else {
            nextByPublisher[publisherId] = sequence + 1;
        }
        return Outcome.NEW;
    }

    /** One more than the highest sequence number seen from the publisher (0 if none). */
    public long next(int publisherId) {
        return nextByPublisher[publisherId];
    }

    /** Distinct messages received from the publisher. */
    public long distinct(int publisherId) {
        return seenByPublisher[publisherId].cardinality();
    }

    /** Messages 0 .. sent - 1 of the publisher that never arrived. */
    public long missing(int publisherId, long sent) {
        if (sent <= 0) {
            return 0;
        }
        int bound = (int) Math.min(sent, Integer.MAX_VALUE);
        return bound - seenByPublisher[publisherId].get(0, bound).cardinality();
    }

    /** The lowest of messages 0 .. sent - 1 of the publisher that never arrived, or -1 when none is missing. */
    public long firstMissing(int publisherId, long sent) {
        int first = seenByPublisher[publisherId].nextClearBit(0);
        return first < sent ? first : -1;
    }

    public long duplicates() {
        return duplicates;
    }

    /** Messages that arrived after a higher sequence number of the same publisher. */
    public long outOfOrder() {
        return outOfOrder;
    }

    /** Messages whose payload named no known publisher (foreign traffic on the topic, or corruption). */
    public long unknown() {
        return unknownPublisher;
    }
}
