package io.mqttbridge.broker.connection;

import io.mqttbridge.broker.spi.DisconnectInfo;
import io.mqttbridge.broker.spi.MqttReasonCode;
import io.netty.channel.Channel;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection with a keep-alive timeout once no packet has arrived for 1.5 times its keep
 * alive ([MQTT-3.1.2-24]); the will is published as for any other abnormal end. One task on the
 * event loop's scheduler per connection (this object itself, so re-arming allocates nothing but
 * Netty's scheduled task), re-armed only when it fires, instead of a pipeline handler per
 * connection: idle connections are the broker's main memory cost. Event loop only.
 */
final class KeepAliveWatch implements Runnable {

    private static final long PAUSED_SILENCE_GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final ClientConnection connection;
    private long timeoutNanos;
    private long lastPacketNanos;
    private ScheduledFuture<?> check;
    private boolean probedAfterSilence;

    KeepAliveWatch(ClientConnection connection) {
        this.connection = connection;
    }

    void start(long timeoutMillis) {
        timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        lastPacketNanos = System.nanoTime();
        schedule(timeoutNanos);
    }

    void packetReceived() {
        if (timeoutNanos > 0) {
            lastPacketNanos = System.nanoTime();
        }
    }

    void cancel() {
        timeoutNanos = 0;
        if (check != null) {
            check.cancel(false);
            check = null;
        }
    }

    private void schedule(long delayNanos) {
        check = connection.channel().eventLoop().schedule(this, delayNanos, TimeUnit.NANOSECONDS);
    }

    /*
     * While the broker itself has stopped reading this connection (back-pressure from the sink, or a
     * 3.1.1 client's acknowledgements waiting for it), the client's PINGREQs sit unread in the socket:
     * its silence is the broker's doing. So while reading is paused each check reads one buffer's worth
     * (answering PINGREQ, taking in at most a few more packets, which pause reading again), checks more
     * often, and before calling a paused connection silent it reads once more and looks again shortly.
     */
    @Override
    public void run() {
        check = null;
        Channel channel = connection.channel();
        if (timeoutNanos == 0 || connection.state() == ClientConnection.State.CLOSED || !channel.isActive()) {
            return;
        }
        boolean readingPaused = connection.state() == ClientConnection.State.CONNECTED && connection.readingPaused();
        long silentNanos = System.nanoTime() - lastPacketNanos;
        if (silentNanos >= timeoutNanos) {
            if (readingPaused && !probedAfterSilence) {
                probedAfterSilence = true;
                channel.read();
                schedule(Math.min(timeoutNanos / 3, PAUSED_SILENCE_GRACE_NANOS));
            } else {
                connection.disconnect(MqttReasonCode.KEEP_ALIVE_TIMEOUT, DisconnectInfo.KEEP_ALIVE_TIMEOUT);
            }
            return;
        }
        probedAfterSilence = false;
        long next = timeoutNanos - silentNanos;
        if (readingPaused) {
            channel.read();
            next = Math.min(next, timeoutNanos / 3);
        }
        schedule(next);
    }
}
