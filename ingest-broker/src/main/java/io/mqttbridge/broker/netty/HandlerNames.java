package io.mqttbridge.broker.netty;

/**
 * The names of the handlers in a client connection's pipeline, for the code that builds it
 * ({@code pipeline.MqttChannelInitializer}, the listener's transport handlers) and for the handlers that
 * address a neighbour by name. In their own class so that neither side imports the other.
 */
public final class HandlerNames {

    /* The listener's transport handlers, in front of the MQTT codec (listener.internal.ListenerTransport). */
    /** Counts what a client sends before its CONNECT (limits.maxPendingConnectBytes); removed at the CONNECT. */
    public static final String PRE_CONNECT_BYTES = "preConnectBytes";
    public static final String TLS = "tls";
    public static final String HTTP_CODEC = "httpCodec";
    public static final String HTTP_AGGREGATOR = "httpAggregator";
    /** Refuses an upgrade request the HTTP decoder could not read whole; removed after the first good one. */
    public static final String UPGRADE_REQUEST_CHECK = "upgradeRequestCheck";
    public static final String WEB_SOCKET = "webSocket";
    public static final String WEB_SOCKET_FRAMES = "webSocketFrames";

    /* The MQTT handlers (pipeline.MqttChannelInitializer). */
    public static final String WIRE_FORMAT_CHECK = "wireFormatCheck";
    public static final String DECODER = "mqttDecoder";
    public static final String ENCODER = "mqttEncoder";
    public static final String CONNECTION_GUARD = "connectionGuard";
    public static final String CONNECT = "connect";
    public static final String PACKETS = "packets";
    public static final String ADMISSION = "admission";
    public static final String PUBLISH_LIMITS = "publishLimits";

    private HandlerNames() {
    }
}
