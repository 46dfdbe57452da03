package io.mqttbridge.broker.connection;

/**
 * The one owner of a connection's {@code autoRead}: every reason to stop reading the socket is
 * recorded here, and reading resumes only when no reason is left and the connection is still
 * connected. Nothing else switches {@code autoRead}. Confined to the channel's event loop.
 */
public final class ReadSuspension {

    /** Why reading is paused; each is lifted on its own. */
    public enum Reason {
        /** As many PUBACK / PUBREC wait for the sink as the receive maximum allows. */
        ACK_WINDOW_FULL,
        /** The publish sink does not accept publishes now (see {@code handler.publish.BackPressure}). */
        SINK_BACK_PRESSURE,
        /** The broker is closing the connection; never lifted. */
        CLOSING
    }

    private final ClientConnection connection;
    private int reasons;

    ReadSuspension(ClientConnection connection) {
        this.connection = connection;
    }

    /** Stops reading for {@code reason} (in addition to any other reason already in force). */
    public void pause(Reason reason) {
        reasons |= bit(reason);
        connection.channel().config().setAutoRead(false);
    }

    /** Lifts {@code reason}; reading resumes when it was the last one and the connection is connected. */
    public void resume(Reason reason) {
        int bit = bit(reason);
        if ((reasons & bit) == 0) {
            return;
        }
        reasons &= ~bit;
        if (reasons == 0 && connection.state() == ClientConnection.State.CONNECTED) {
            connection.channel().config().setAutoRead(true);
        }
    }

    /** Whether reading is paused for any reason. */
    public boolean isPaused() {
        return reasons != 0;
    }

    public boolean isPaused(Reason reason) {
        return (reasons & bit(reason)) != 0;
    }

    private static int bit(Reason reason) {
        return 1 << reason.ordinal();
    }
}
