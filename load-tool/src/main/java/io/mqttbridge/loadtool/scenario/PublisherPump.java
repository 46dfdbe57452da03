package io.mqttbridge.loadtool.scenario;

import io.mqttbridge.loadtool.client.MqttClientConnection;
import io.mqttbridge.loadtool.measure.Payloads;
import io.mqttbridge.loadtool.measure.RateSchedule;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Sends one publisher's messages on its connection's event loop: on a 1 ms tick, after every
 * acknowledgement and whenever the socket becomes writable again, it sends as many messages as are
 * due (all of them at max rate; per the {@link RateSchedule} at a fixed rate) and as the in-flight
 * window allows, then flushes once.
 *
 * <p>At max rate, in flight means sent and not yet both acknowledged by the broker (QoS 1/2) and
 * received by every subscriber of the topic. If nothing arrives for a second while the window is
 * full (lost QoS 0 messages), the window is reset and the reset counted as a stall. At a fixed rate
 * the schedule bounds the load, and only unacknowledged QoS 1/2 messages count against the window:
 * a slow subscriber must show up as latency, not as a publisher that politely waits for it.
 * A fixed-rate message is sent up to one tick after its scheduled time; latency counts that too.
 */
final class PublisherPump {

    private static final long TICK_MICROS = 1_000;
    private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int MAX_BATCH = 512;

    private final int index;
    private final MqttClientConnection connection;
    private final String topic;
    private final MqttQoS qos;
    private final int payloadSize;
    private final int window;
    private final long maxMessages;
    private final RateSchedule schedule;
    private final long startNanos;
    private final long endNanos;
    private final long measureStartNanos;
    private final AtomicLongArray progress;
    private final int[] progressSlots;
    private final CompletableFuture<Void> finished = new CompletableFuture<>();
    private ScheduledFuture<?> tick;
    private long sent;
    private long sentInWindow;
    private long floor;
    private long lastProgress = -1;
    private long lastProgressNanos;
    private long stalls;

    PublisherPump(int index, MqttClientConnection connection, String topic, MqttQoS qos, int payloadSize, int window,
                  long maxMessages, RateSchedule schedule, long startNanos, long endNanos, long measureStartNanos,
                  AtomicLongArray progress, int[] progressSlots) {
        this.index = index;
        this.connection = connection;
        this.topic = topic;
        this.qos = qos;
        this.payloadSize = payloadSize;
        this.window = window;
        this.maxMessages = maxMessages;
        this.schedule = schedule;
        this.startNanos = startNanos;
        this.endNanos = endNanos;
        this.measureStartNanos = measureStartNanos;
        this.progress = progress;
        this.progressSlots = progressSlots;
    }

    /** Starts pumping; {@link #finished()} completes when this publisher has sent its last message. */
    void start() {
        connection.eventLoop().execute(() -> {
            connection.onAcknowledged(this::pump);
            long delayMicros = Math.max(0, (startNanos - System.nanoTime()) / 1_000);
            tick = connection.eventLoop().scheduleAtFixedRate(this::pump, delayMicros, TICK_MICROS, TimeUnit.MICROSECONDS);
        });
    }

    /** Completes on the event loop when this publisher has sent its last message. */
    CompletableFuture<Void> finished() {
        return finished;
    }

    void pump() {
        if (finished.isDone()) {
            return;
        }
        long now = System.nanoTime();
        if (now < startNanos) {
            return;
        }
        if (now >= endNanos || sent >= maxMessages || !connection.isActive()) {
            finish();
            return;
        }
        long budget = window - inFlight(now);
        long due = schedule == null ? Long.MAX_VALUE : schedule.dueCount(now) - sent;
        long count = Math.min(Math.min(budget, due), Math.min(MAX_BATCH, maxMessages - sent));
        boolean wrote = false;
        for (long i = 0; i < count && connection.isWritable(); i++) {
            long scheduled = schedule == null ? now : schedule.scheduledNanos(sent);
            if (!connection.tryPublish(topic, qos,
                    Payloads.encode(PooledByteBufAllocator.DEFAULT, payloadSize, index, sent, scheduled))) {
                break;
            }
            if (scheduled >= measureStartNanos) {
                sentInWindow++;
            }
            sent++;
            wrote = true;
        }
        if (wrote) {
            connection.flush();
        }
    }

    private long inFlight(long now) {
        if (schedule != null) {
            return connection.unacknowledged();
        }
        long delivered = Long.MAX_VALUE;
        for (int slot : progressSlots) {
            delivered = Math.min(delivered, progress.get(slot));
        }
        if (delivered != lastProgress) {
            lastProgress = delivered;
            lastProgressNanos = now;
        }
        long endToEnd = sent - Math.max(delivered, floor);
        if (endToEnd >= window && now - lastProgressNanos > STALL_NANOS) {
            floor = sent;
            lastProgressNanos = now;
            stalls++;
            endToEnd = 0;
        }
        return Math.max(endToEnd, connection.unacknowledged());
    }

    private void finish() {
        if (tick != null) {
            tick.cancel(false);
        }
        finished.complete(null);
    }

    /** Stops early (e.g. the run is aborted); safe from any thread. */
    void stop() {
        connection.eventLoop().execute(this::finish);
    }

    long sent() {
        return sent;
    }

    long sentInWindow() {
        return sentInWindow;
    }

    long stalls() {
        return stalls;
    }

    MqttClientConnection connection() {
        return connection;
    }
}
