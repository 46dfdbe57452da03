package io.mqttbridge.broker.connection;

import io.mqttbridge.broker.spi.DisconnectInfo;
import io.mqttbridge.broker.spi.MqttReasonCode;
import io.netty.channel.EventLoop;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The close of a connection because the server shuts down: reading stops at once, the PUBCOMPs owed
 * for the PUBRELs already read are written and flushed, and only then does the connection close (MQTT
 * 5: after DISCONNECT 0x8B), or after a bound when the session store holds them back. Each of those
 * PUBCOMPs waits until its packet id's record has left the store ({@link InboundQos2Flows#onPubrel});
 * a close in between used to lose it. A client that sent PUBREL and got no PUBCOMP must resend the
 * PUBREL [MQTT-4.4.0-1], which is harmless; paho-mqtt 2.1 (Python) resets its flows before every
 * reconnection attempt, and the second reset turns "resend PUBREL" into "publish": after a restart
 * it sent the PUBLISH again, DUP 0 with the same packet id, which a broker must take as a new message
 * [MQTT-4.3.3], so Kafka and the subscribers got it twice. A PUBREL not read before the close keeps
 * its record, and such a PUBLISH is then answered as the retransmission it is.
 *
 * <p>Threading: {@link #close} is safe from any thread; the rest runs on the connection's event loop.
 */
public final class ShutdownClose {

    /**
     * How long a close waits for the PUBCOMPs owed (each waits for one commit of the session store,
     * milliseconds unless the database is away); within the stop's wait for the closes.
     */
    public static final long OWED_PUBCOMPS_WAIT_MILLIS = 2_000;

    private ShutdownClose() {
    }

    /** {@link #close(ClientConnection, long)} with {@link #OWED_PUBCOMPS_WAIT_MILLIS}. */
    public static void close(ClientConnection connection) {
        close(connection, OWED_PUBCOMPS_WAIT_MILLIS);
    }

    /**
     * Closes {@code connection} for the server's shutdown once the PUBCOMPs it owes are written, or
     * after {@code maxWaitMillis}.
     */
    public static void close(ClientConnection connection, long maxWaitMillis) {
        EventLoop loop = connection.channel().eventLoop();
        if (!loop.inEventLoop()) {
            loop.execute(() -> close(connection, maxWaitMillis));
            return;
        }
        if (connection.state() == ClientConnection.State.CLOSED || !connection.channel().isActive()) {
            return;
        }
        // No PUBREL is read from now on: every one read before gets its PUBCOMP before the close.
        connection.reading().pause(ReadSuspension.Reason.CLOSING);
        CompletableFuture<Void> owed = connection.inbound().pubcompsWritten();
        if (owed.isDone()) {
            closeNow(connection);
            return;
        }
        ScheduledFuture<?> bound = loop.schedule(() -> closeNow(connection), maxWaitMillis, TimeUnit.MILLISECONDS);
        owed.whenComplete((ignored, error) -> {
            bound.cancel(false);
            closeNow(connection);
        });
    }

    private static void closeNow(ClientConnection connection) {
        connection.disconnect(MqttReasonCode.SERVER_SHUTTING_DOWN, DisconnectInfo.SERVER_SHUTTING_DOWN);
    }
}
