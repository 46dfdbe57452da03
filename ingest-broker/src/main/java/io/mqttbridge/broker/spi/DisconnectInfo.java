package io.mqttbridge.broker.spi;

import java.time.Instant;

/**
 * How a connection ended.
 *
 * @param disconnectedAt when the broker noticed
 * @param reason a short machine-readable reason, one of the constants below or an MQTT 5 reason
 *     name such as {@code "session_taken_over"}
 * @param reasonCode the MQTT 5 reason code sent or received with DISCONNECT, or {@code null}
 * @param willPublished whether the connection's will message was (or is scheduled to be) published
 */
public record DisconnectInfo(Instant disconnectedAt, String reason, Integer reasonCode, boolean willPublished) {

    public static final String CLIENT_DISCONNECT = "client_disconnect";
    public static final String CONNECTION_LOST = "connection_lost";
    public static final String KEEP_ALIVE_TIMEOUT = "keep_alive_timeout";
    public static final String SESSION_TAKEN_OVER = "session_taken_over";
    public static final String PROTOCOL_ERROR = "protocol_error";
    public static final String ADMINISTRATIVE_ACTION = "administrative_action";
    public static final String SERVER_SHUTTING_DOWN = "server_shutting_down";
    /** The credentials the client authenticated with expired (MQTT 5 reason 0xA0). */
    public static final String MAXIMUM_CONNECT_TIME = "maximum_connect_time";
    /** A re-authentication (MQTT 5 AUTH 0x19) failed or named another identity (reason 0x87). */
    public static final String REAUTHENTICATION_FAILED = "reauthentication_failed";
    /** A configured limit was exceeded (message rate, byte rate). */
    public static final String LIMIT_EXCEEDED = "limit_exceeded";
    /**
     * An MQTT 3.1.1 client's QoS 1/2 message could not be stored by the sink: 3.1.1 has no negative
     * acknowledgement and clients resend only on a new connection, so the connection is closed.
     */
    public static final String PUBLISH_NOT_STORED = "publish_not_stored";
    /** A subscriber fell behind for longer than its queue holds, under the DISCONNECT overflow policy. */
    public static final String SLOW_SUBSCRIBER = "slow_subscriber";
}
