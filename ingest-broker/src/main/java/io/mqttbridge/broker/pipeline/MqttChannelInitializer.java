package io.mqttbridge.broker.pipeline;

import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.broker.connection.ClientConnection;
import io.mqttbridge.broker.handler.auth.EnhancedAuthFlow;
import io.mqttbridge.broker.handler.connect.ConnectHandler;
import io.mqttbridge.broker.handler.connect.ConnectionGuardHandler;
import io.mqttbridge.broker.handler.disconnect.DisconnectHandler;
import io.mqttbridge.broker.handler.ping.PingHandler;
import io.mqttbridge.broker.handler.publish.OutboundAckHandler;
import io.mqttbridge.broker.handler.publish.PublishHandler;
import io.mqttbridge.broker.handler.subscribe.SubscribeHandler;
import io.mqttbridge.broker.handler.subscribe.UnsubscribeHandler;
import io.mqttbridge.broker.limits.IncompletePacketBytes;
import io.mqttbridge.broker.limits.Limits;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.netty.HandlerNames;
import io.mqttbridge.broker.netty.PacketEncoder;
import io.mqttbridge.broker.netty.TransportHandlers;
import io.mqttbridge.broker.pipeline.PacketDispatcher;
import io.mqttbridge.broker.pipeline.TrafficMeter;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.mqtt.MqttDecoder;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Builds the whole pipeline of a client connection, in one place. Inbound order: the listener's
 * transport handlers (TLS, HTTP/WebSocket; see {@link TransportHandlers}), traffic metrics,
 * decoder, (admission limits), guard, connect, (publish limits), and one {@link PacketDispatcher}
 * for publish, outbound acks, subscribe, unsubscribe, ping and disconnect. Handlers are shared;
 * per-connection state (including the keep-alive check) lives in the {@link ClientConnection}
 * attached to the channel. Each handler slot costs every connection a context object, hence the
 * dispatcher instead of one slot per packet type. The handlers' names are {@link HandlerNames}.
 */
public final class MqttChannelInitializer extends ChannelInitializer<Channel> {

    /** The shared handlers of every connection; {@code enhancedAuth} carries AUTH packets. */
    public record Handlers(ConnectHandler connect, PublishHandler publish, SubscribeHandler subscribe,
                           UnsubscribeHandler unsubscribe, DisconnectHandler disconnect, EnhancedAuthFlow enhancedAuth) {

        /** Handlers without enhanced authentication. */
        public Handlers(ConnectHandler connect, PublishHandler publish, SubscribeHandler subscribe,
                        UnsubscribeHandler unsubscribe, DisconnectHandler disconnect) {
            this(connect, publish, subscribe, unsubscribe, disconnect, EnhancedAuthFlow.NONE);
        }
    }

    private final BrokerConfig config;
    private final BrokerMetrics metrics;
    private final Handlers handlers;
    private final TrafficMeter trafficMeter;
    private final ConnectionGuardHandler guard;
    private final PacketDispatcher packets;
    private final Set<Channel> channels = ConcurrentHashMap.newKeySet();
    // One listener for every channel, not a lambda per channel (24 bytes each, held while it is open).
    private final ChannelFutureListener forgetClosed = future -> channels.remove(future.channel());
    private final TransportHandlers transport;
    private final Limits limits;
    private final ChannelHandler admission;
    /* Counters of incomplete packets for the wire-format check (limits.maxPendingPacketBytes), or null: off. */
    private final Function<Channel, IncompletePacketBytes> packetBytes;
    private final String listenerName;

    /**
     * @param listenerName the name of the listener this initializer serves
     * @param transport the listener's handlers in front of the MQTT codec
     * @param limits the broker's limits
     * @param maxConnections the listener's connection maximum, 0 = none
     */
    public MqttChannelInitializer(String listenerName, BrokerConfig config, BrokerMetrics metrics, Handlers handlers,
                                  TransportHandlers transport, Limits limits, int maxConnections) {
        this.listenerName = listenerName;
        this.transport = transport;
        this.limits = limits;
        this.admission = limits.admission(maxConnections);
        this.packetBytes = limits.boundsIncompletePackets() ? limits::newIncompletePacketBytes : null;
        this.config = config;
        this.metrics = metrics;
        this.handlers = handlers;
        this.trafficMeter = new TrafficMeter(metrics);
        this.guard = new ConnectionGuardHandler(config.getConnectTimeoutSeconds(), limits, handlers.enhancedAuth());
        this.packets = new PacketDispatcher(handlers.publish(), new OutboundAckHandler(), handlers.subscribe(),
                handlers.unsubscribe(), new PingHandler(), handlers.disconnect());
    }

    @Override
    protected void initChannel(Channel channel) {
        if (!limits.admitsDescriptor(channel)) {
            // The process's last file descriptors are Kafka's and PostgreSQL's: this socket goes at once.
            channel.close();
            return;
        }
        ClientConnection.create(channel, metrics).setListenerName(listenerName);
        channels.add(channel);
        channel.closeFuture().addListener(forgetClosed);
        ChannelPipeline pipeline = channel.pipeline();
        ChannelHandler preConnectBytes = limits.newPreConnectBytes();
        if (preConnectBytes != null) {
            // First of all, before TLS and WebSocket: every byte a client sends before its CONNECT counts.
            pipeline.addLast(HandlerNames.PRE_CONNECT_BYTES, preConnectBytes);
        }
        transport.addTo(channel);
        pipeline.addLast(HandlerNames.WIRE_FORMAT_CHECK,
                new WireFormatCheck(config.getMaxPacketSize(), trafficMeter, packetBytes, true));
        pipeline.addLast(HandlerNames.DECODER, new MqttDecoder(config.getMaxPacketSize(), config.getMaxClientIdLength(), true));
        pipeline.addLast(HandlerNames.ENCODER, PacketEncoder.INSTANCE);
        if (admission != null) {
            pipeline.addLast(HandlerNames.ADMISSION, admission);
        }
        pipeline.addLast(HandlerNames.CONNECTION_GUARD, guard);
        pipeline.addLast(HandlerNames.CONNECT, handlers.connect());
        ChannelHandler publishLimits = limits.newPublishLimiter();
        if (publishLimits != null) {
            pipeline.addLast(HandlerNames.PUBLISH_LIMITS, publishLimits);
        }
        pipeline.addLast(HandlerNames.PACKETS, packets);
    }

    /** Every open client channel (for shutdown). */
    public Set<Channel> channels() {
        return channels;
    }
}
