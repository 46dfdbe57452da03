package io.mqttbridge.loadtool.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.timeout.IdleStateHandler;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One MQTT 3.1.1 client connection speaking over a real socket with Netty's MQTT codec. Created by
 * {@link #connect}, which completes when the broker accepted the CONNECT.
 *
 * <p>Threading: {@link #tryPublish}, {@link #flush} and the counters must be used on the connection's
 * {@link #eventLoop()}; {@link #subscribe} and {@link #disconnect} may be called from any thread.
 */
public final class MqttClientConnection {

    /** Largest packet the client accepts. */
    private static final int MAX_PACKET_BYTES = 1024 * 1024;

    private final Channel channel;
    private final MqttClientHandler handler;

    private MqttClientConnection(Channel channel, MqttClientHandler handler) {
        this.channel = channel;
        this.handler = handler;
    }

    /** Opens a connection and sends CONNECT with a clean session; see the other overload. */
    public static CompletableFuture<MqttClientConnection> connect(Transport transport, InetSocketAddress broker,
            InetSocketAddress localAddress, String clientId, int keepAliveSeconds, InboundListener listener,
            Runnable writabilityListener) {
        return connect(transport, broker, localAddress, clientId, true, keepAliveSeconds, listener, writabilityListener);
    }

    /**
     * Opens a connection and sends CONNECT.
     *
     * @param localAddress the source address to bind, or {@code null} for the system's choice
     * @param cleanSession {@code false} asks the broker to keep the session (subscriptions, queued QoS 1/2
     *     messages) across connections of this client id
     * @param keepAliveSeconds keep alive sent in CONNECT; the client pings at half of it
     * @param listener told about every received message
     * @param writabilityListener run on the event loop whenever the channel becomes writable again
     */
    public static CompletableFuture<MqttClientConnection> connect(Transport transport, InetSocketAddress broker,
            InetSocketAddress localAddress, String clientId, boolean cleanSession, int keepAliveSeconds,
            InboundListener listener, Runnable writabilityListener) {
        MqttClientHandler handler = new MqttClientHandler(clientId, cleanSession, keepAliveSeconds, listener,
                writabilityListener);
        Bootstrap bootstrap = transport.bootstrap().handler(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel channel) {
                channel.pipeline()
                        .addLast("idle", new IdleStateHandler(0, Math.max(1, keepAliveSeconds / 2), 0, TimeUnit.SECONDS))
                        .addLast("decoder", new MqttDecoder(MAX_PACKET_BYTES))
                        .addLast("encoder", MqttEncoder.INSTANCE)
                        .addLast("client", handler);
            }
        });
        ChannelFuture connected = localAddress == null
                ? bootstrap.connect(broker)
                : bootstrap.connect(broker, localAddress);
        CompletableFuture<MqttClientConnection> result = new CompletableFuture<>();
        connected.addListener(f -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(f.cause());
            }
        });
        handler.connAckFuture().whenComplete((ignored, error) -> {
            if (error != null) {
                result.completeExceptionally(error);
                connected.channel().close();
            } else {
                result.complete(new MqttClientConnection(connected.channel(), handler));
            }
        });
        return result;
    }

    /** Subscribes to one filter; completes with the granted QoS, failing if the broker refused (0x80). */
    public CompletableFuture<Integer> subscribe(String topicFilter, MqttQoS qos) {
        CompletableFuture<Integer> result = new CompletableFuture<>();
        channel.eventLoop().execute(() -> handler.subscribe(channel, topicFilter, qos).whenComplete((granted, error) -> {
            if (error != null) {
                result.completeExceptionally(error);
            } else if (granted.isEmpty() || granted.get(0) >= 0x80) {
                result.completeExceptionally(new IllegalStateException("subscription to '" + topicFilter + "' refused: "
                        + granted));
            } else {
                result.complete(granted.get(0));
            }
        }));
        return result;
    }

    /**
     * Writes a PUBLISH without flushing. Takes ownership of {@code payload}.
     *
     * @return {@code false} (and releases the payload) when no packet identifier is free for QoS 1/2
     */
    public boolean tryPublish(String topic, MqttQoS qos, ByteBuf payload) {
        return handler.tryPublish(channel, topic, qos, payload);
    }

    public void flush() {
        channel.flush();
    }

    public boolean isWritable() {
        return channel.isWritable();
    }

    public boolean isActive() {
        return channel.isActive();
    }

    /** QoS 1/2 messages sent and not yet completely acknowledged. */
    public int unacknowledged() {
        return handler.unacknowledged();
    }

    /** QoS 1/2 messages completely acknowledged (PUBACK, or PUBCOMP). */
    public long acknowledged() {
        return handler.acknowledged();
    }

    /**
     * QoS 2 PUBLISH packets that arrived while their packet identifier was still awaiting PUBREL, and
     * were therefore taken as resends and not delivered again.
     */
    public long qos2Resends() {
        return handler.qos2Resends();
    }

    /** Run on the event loop after each acknowledgement that freed a packet identifier. */
    public void onAcknowledged(Runnable listener) {
        handler.onAcknowledged(listener);
    }

    public EventLoop eventLoop() {
        return channel.eventLoop();
    }

    public CompletableFuture<Void> closeFuture() {
        CompletableFuture<Void> closed = new CompletableFuture<>();
        channel.closeFuture().addListener(f -> closed.complete(null));
        return closed;
    }

    /** Sends DISCONNECT and closes; completes when the socket is closed. */
    public CompletableFuture<Void> disconnect() {
        CompletableFuture<Void> closed = closeFuture();
        if (channel.isActive()) {
            channel.writeAndFlush(MqttMessage.DISCONNECT).addListener(f -> channel.close());
        } else {
            channel.close();
        }
        return closed;
    }

    /**
     * Closes the socket without DISCONNECT, as a network outage or a crashed device would: the broker
     * keeps a persistent session and publishes the will. Completes when the socket is closed.
     */
    public CompletableFuture<Void> drop() {
        CompletableFuture<Void> closed = closeFuture();
        channel.close();
        return closed;
    }

    /** Whether the broker's CONNACK said it still had a session for this client id. */
    public boolean sessionPresent() {
        return handler.sessionPresent();
    }

    /** Packet types received, for diagnostics. */
    public List<String> protocolErrors() {
        return handler.protocolErrors();
    }
}
