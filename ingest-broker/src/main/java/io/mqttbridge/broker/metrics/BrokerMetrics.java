package io.mqttbridge.broker.metrics;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;

import java.util.function.LongSupplier;

/**
 * The broker's metrics, all named under {@value #PREFIX}. Every method is thread-safe and cheap
 * (Dropwizard meters and counters are lock-free).
 */
public final class BrokerMetrics {

    public static final String PREFIX = "mqtt";
    public static final String CONNECTIONS = PREFIX + ".connections";
    public static final String CONNECTS = PREFIX + ".connects";
    public static final String CONNECTS_REFUSED = PREFIX + ".connects.refused";
    public static final String MESSAGES_IN = PREFIX + ".messages.in.qos";
    public static final String MESSAGES_OUT = PREFIX + ".messages.out.qos";
    public static final String BYTES_IN = PREFIX + ".bytes.in";
    public static final String BYTES_OUT = PREFIX + ".bytes.out";
    public static final String DROPPED = PREFIX + ".messages.dropped.";
    public static final String QUEUED = PREFIX + ".messages.queued";
    public static final String RETAINED = PREFIX + ".retained.messages";
    public static final String SUBSCRIPTIONS = PREFIX + ".subscriptions";
    public static final String SESSIONS = PREFIX + ".sessions";
    public static final String STORE_FAILURES = PREFIX + ".store.failures";
    /** Subscribers disconnected by the DISCONNECT queue overflow policy. */
    public static final String CLOSED_SLOW_SUBSCRIBER = PREFIX + ".connections.closed.slow-subscriber";
    /** What the queued messages of all sessions hold of the heap, each payload counted once (session.QueuedMemory). */
    public static final String QUEUED_BYTES = PREFIX + ".messages.queued.bytes";
    /** {@code broker.maxQueuedHeapPercent} of the heap in bytes; 0 = no bound. */
    public static final String QUEUED_BYTES_BOUND = PREFIX + ".messages.queued.bytes.bound";
    /** A message that would have waited while the queues of all sessions held their heap share (also counted as queue-full). */
    public static final String QUEUED_HEAP_EXCEEDED = PREFIX + ".limits.queued-heap.exceeded";
    /**
     * Messages for persistent sessions kept in the session store alone, not in memory, because the
     * heap bound was reached (read back when their client can take them).
     */
    public static final String SPILLED = PREFIX + ".messages.spilled";
    /** Queued messages that wait in the session store alone now (spilled, not read back yet). */
    public static final String QUEUED_IN_STORE = PREFIX + ".messages.queued.in-store";
    /** MQTT 3.1.1 connections closed because a QoS 1/2 message of theirs could not be stored. */
    public static final String CLOSED_PUBLISH_NOT_STORED = PREFIX + ".connections.closed.publish-not-stored";
    /**
     * QoS 2 messages whose hand-over to the sink had an unknown outcome (retransmitted after a crash, or
     * a send that timed out) and that the sink already held: answered with PUBREC instead of being
     * stored a second time.
     */
    public static final String QOS2_FOUND_IN_SINK = PREFIX + ".messages.qos2.found-in-sink";
    /** CONNECTs refused because the client id is not the identity's, or its session belongs to another identity. */
    public static final String CONNECTS_REFUSED_CLIENT_ID = PREFIX + ".connects.refused.client-id";

    /** Why a message was not delivered to a subscriber (or not accepted from a publisher). */
    public enum DropReason {
        QUEUE_FULL("queue-full"),
        PACKET_TOO_LARGE("packet-too-large"),
        EXPIRED("expired"),
        NOT_AUTHORIZED("not-authorized"),
        /** An MQTT 3.1.1 publisher's message that the sink refused for good, acknowledged and dropped. */
        REFUSED_BY_SINK("refused-by-sink"),
        QOS0_OFFLINE("qos0-offline");

        private final String metricSuffix;

        DropReason(String metricSuffix) {
            this.metricSuffix = metricSuffix;
        }

        public String metricName() {
            return DROPPED + metricSuffix;
        }
    }

    private final Counter connections;
    private final Meter connects;
    private final Meter connectsRefused;
    private final Meter[] messagesIn = new Meter[3];
    private final Meter[] messagesOut = new Meter[3];
    private final Meter bytesIn;
    private final Meter bytesOut;
    private final Meter[] dropped = new Meter[DropReason.values().length];
    private final MetricRegistry registry;
    private final Counter queued;
    private final Counter queuedInStore;
    private final Counter subscriptions;
    private final Meter queuedHeapExceeded;
    private final Meter spilled;
    private final Meter storeFailures;
    private final Meter closedPublishNotStored;
    private final Meter qos2FoundInSink;
    private final Meter closedSlowSubscriber;
    private final Meter connectsRefusedClientId;

    public BrokerMetrics(MetricRegistry registry, LongSupplier retainedCount, LongSupplier sessionCount) {
        this.registry = registry;
        connections = registry.counter(CONNECTIONS);
        connects = registry.meter(CONNECTS);
        connectsRefused = registry.meter(CONNECTS_REFUSED);
        for (int qos = 0; qos < 3; qos++) {
            messagesIn[qos] = registry.meter(MESSAGES_IN + qos);
            messagesOut[qos] = registry.meter(MESSAGES_OUT + qos);
        }
        bytesIn = registry.meter(BYTES_IN);
        bytesOut = registry.meter(BYTES_OUT);
        for (DropReason reason : DropReason.values()) {
            dropped[reason.ordinal()] = registry.meter(reason.metricName());
        }
        queued = registry.counter(QUEUED);
        queuedInStore = registry.counter(QUEUED_IN_STORE);
        subscriptions = registry.counter(SUBSCRIPTIONS);
        storeFailures = registry.meter(STORE_FAILURES);
        closedPublishNotStored = registry.meter(CLOSED_PUBLISH_NOT_STORED);
        qos2FoundInSink = registry.meter(QOS2_FOUND_IN_SINK);
        closedSlowSubscriber = registry.meter(CLOSED_SLOW_SUBSCRIBER);
        queuedHeapExceeded = registry.meter(QUEUED_HEAP_EXCEEDED);
        spilled = registry.meter(SPILLED);
        connectsRefusedClientId = registry.meter(CONNECTS_REFUSED_CLIENT_ID);
        registry.gauge(RETAINED, () -> (Gauge<Long>) retainedCount::getAsLong);
        registry.gauge(SESSIONS, () -> (Gauge<Long>) sessionCount::getAsLong);
    }

    /** Gauges of the bytes queued messages hold on the heap, and of the bound on them. */
    public void watchQueuedMemory(LongSupplier bytes, LongSupplier bound) {
        registry.gauge(QUEUED_BYTES, () -> (Gauge<Long>) bytes::getAsLong);
        registry.gauge(QUEUED_BYTES_BOUND, () -> (Gauge<Long>) bound::getAsLong);
    }

    public void connectionOpened() { connections.inc(); }
    public void connectionClosed() { connections.dec(); }
    public void connectAccepted() { connects.mark(); }
    public void connectRefused() { connectsRefused.mark(); }
    public void messageIn(int qos) { messagesIn[qos].mark(); }
    public void messageOut(int qos) { messagesOut[qos].mark(); }
    /** Several messages in at once, by QoS (see {@link UnmarkedTraffic}). */
    public void messagesIn(int qos0, int qos1, int qos2) { mark(messagesIn, qos0, qos1, qos2); }
    /** Several messages out at once, by QoS (see {@link UnmarkedTraffic}). */
    public void messagesOut(int qos0, int qos1, int qos2) { mark(messagesOut, qos0, qos1, qos2); }
    public void bytesIn(long bytes) { bytesIn.mark(bytes); }
    public void bytesOut(long bytes) { bytesOut.mark(bytes); }
    public void dropped(DropReason reason) { dropped[reason.ordinal()].mark(); }
    public void queued(int delta) { queued.inc(delta); }
    public void subscriptions(int delta) { subscriptions.inc(delta); }
    public void storeFailure() { storeFailures.mark(); }
    public void closedForPublishNotStored() { closedPublishNotStored.mark(); }
    public void qos2FoundInSink() { qos2FoundInSink.mark(); }
    public void slowSubscriberDisconnected() { closedSlowSubscriber.mark(); }
    public void droppedForMemory() { queuedHeapExceeded.mark(); }
    public void spilled() { spilled.mark(); }
    public void queuedInStore(int delta) { queuedInStore.inc(delta); }
    public void connectRefusedForClientId() { connectsRefusedClientId.mark(); }

    private static void mark(Meter[] byQos, int qos0, int qos1, int qos2) {
        if (qos0 > 0) {
            byQos[0].mark(qos0);
        }
        if (qos1 > 0) {
            byQos[1].mark(qos1);
        }
        if (qos2 > 0) {
            byQos[2].mark(qos2);
        }
    }

    public long connections() { return connections.getCount(); }
    public long droppedCount(DropReason reason) { return dropped[reason.ordinal()].getCount(); }
}
