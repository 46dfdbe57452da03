package io.mqttbridge.broker.listener.internal;

import io.mqttbridge.broker.listener.ListenerConfig;
import io.mqttbridge.broker.netty.HandlerNames;
import io.mqttbridge.broker.netty.TransportHandlers;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.ssl.SslHandler;

import java.util.concurrent.TimeUnit;

/** The transport handlers of one listener: optional TLS, then optional HTTP + WebSocket framing. */
public final class ListenerTransport implements TransportHandlers {

    /** The MQTT over WebSocket subprotocols the server accepts. */
    public static final String SUBPROTOCOLS = "mqtt,mqttv3.1";

    private static final int MAX_HTTP_REQUEST_BYTES = 16 * 1024;

    private final ListenerConfig listener;
    private final ReloadingSslContext ssl;
    private final WebSocketServerProtocolConfig webSocket;

    /**
     * @param ssl the TLS context of a secure listener, {@code null} otherwise
     * @param maxPacketSize the largest MQTT packet accepted; bounds one WebSocket frame as well
     * @param handshakeTimeoutSeconds how long TLS and WebSocket handshakes may take
     */
    public ListenerTransport(ListenerConfig listener, ReloadingSslContext ssl, int maxPacketSize,
                             int handshakeTimeoutSeconds) {
        this.listener = listener;
        this.ssl = ssl;
        this.webSocket = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(listener.getWebSocketPath())
                .subprotocols(SUBPROTOCOLS)
                // The path may carry a query (clients put tokens there: /mqtt?token=...) or go
                // deeper (/mqtt/); /mqttx and other paths get 404 (WebSocketFrameAdapter).
                .checkStartsWith(true)
                .maxFramePayloadLength(maxPacketSize + 8)
                .handshakeTimeoutMillis(TimeUnit.SECONDS.toMillis(handshakeTimeoutSeconds))
                .build();
    }

    @Override
    public void addTo(Channel channel) {
        ChannelPipeline pipeline = channel.pipeline();
        if (ssl != null) {
            pipeline.addLast(HandlerNames.TLS, ssl.current().newHandler(channel.alloc()));
        }
        if (listener.getTransport().isWebSocket()) {
            pipeline.addLast(HandlerNames.HTTP_CODEC, new HttpServerCodec());
            pipeline.addLast(HandlerNames.HTTP_AGGREGATOR, new HttpObjectAggregator(MAX_HTTP_REQUEST_BYTES));
            pipeline.addLast(HandlerNames.UPGRADE_REQUEST_CHECK, new UpgradeRequestCheck());
            pipeline.addLast(HandlerNames.WEB_SOCKET, new WebSocketServerProtocolHandler(webSocket));
            pipeline.addLast(HandlerNames.WEB_SOCKET_FRAMES, new WebSocketFrameAdapter());
        }
    }

    /** The TLS handler of a channel, or {@code null} on a plain listener. */
    public static SslHandler sslHandler(Channel channel) {
        return channel.pipeline().get(SslHandler.class);
    }
}
