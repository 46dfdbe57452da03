package io.mqttbridge.loadtool.scenario;

import io.mqttbridge.loadtool.client.InboundListener;
import io.mqttbridge.loadtool.measure.Payloads;
import io.mqttbridge.loadtool.measure.SequenceTracker;
import io.netty.buffer.ByteBuf;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.HdrHistogram.Histogram;

/**
 * What one subscriber received: sequence tracking, latency and throughput counts. Written only on
 * the subscriber's event loop; read by the run after the subscriber's connection has stopped. The
 * progress board (highest sequence + 1 per publisher) is shared with the publishers' pumps, which use
 * it to bound their end-to-end in-flight window.
 */
final class SubscriberStats implements InboundListener {

    private static final long MAX_LATENCY_MICROS = TimeUnit.MINUTES.toMicros(5);

    private final int index;
    private final int publishers;
    private final SequenceTracker tracker;
    private final Histogram latencyMicros = new Histogram(MAX_LATENCY_MICROS, 3);
    private final AtomicLongArray progress;
    private volatile long measureStartNanos = Long.MAX_VALUE;
    private volatile long measureEndNanos = Long.MAX_VALUE;
    private long received;
    private long receivedInWindow;

    SubscriberStats(int index, int publishers, AtomicLongArray progress) {
        this.index = index;
        this.publishers = publishers;
        this.tracker = new SequenceTracker(publishers);
        this.progress = progress;
    }

    /** Sets the measured window, once the run knows when publishing starts; before it nothing is measured. */
    void measureBetween(long startNanos, long endNanos) {
        this.measureEndNanos = endNanos;
        this.measureStartNanos = startNanos;
    }

    static int progressSlot(int subscriber, int publisher, int publishers) {
        return subscriber * publishers + publisher;
    }

    @Override
    public void onMessage(String topic, int qos, ByteBuf payload) {
        long now = System.nanoTime();
        received++;
        if (!Payloads.isOurs(payload)) {
            tracker.record(-1, -1);
            return;
        }
        int publisher = Payloads.publisherId(payload);
        long sequence = Payloads.sequence(payload);
        if (tracker.record(publisher, sequence) != SequenceTracker.Outcome.NEW) {
            return;
        }
        progress.lazySet(progressSlot(index, publisher, publishers), tracker.next(publisher));
        long sent = Payloads.sentNanos(payload);
        long start = measureStartNanos;
        long end = measureEndNanos;
        if (sent >= start && sent < end) {
            latencyMicros.recordValue(Math.min(MAX_LATENCY_MICROS, Math.max(0, (now - sent) / 1_000)));
        }
        if (now >= start && now < end) {
            receivedInWindow++;
        }
    }

    SequenceTracker tracker() {
        return tracker;
    }

    Histogram latencyMicros() {
        return latencyMicros;
    }

    long received() {
        return received;
    }

    long receivedInWindow() {
        return receivedInWindow;
    }
}
