package io.mqttbridge.loadtool.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

import java.io.IOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The client side of the MQTT 3.1.1 protocol for one connection: CONNECT/CONNACK, SUBSCRIBE/SUBACK,
 * the QoS 1 and QoS 2 flows in both directions, and keep-alive pings. All state is touched only on
 * the channel's event loop.
 */
final class MqttClientHandler extends ChannelInboundHandlerAdapter {

    private static final int MAX_PACKET_ID = 0xFFFF;

    private final String clientId;
    private final boolean cleanSession;
    private final int keepAliveSeconds;
    private final InboundListener listener;
    private final Runnable writabilityListener;
    private final CompletableFuture<Void> connAck = new CompletableFuture<>();
    private final Map<Integer, CompletableFuture<List<Integer>>> pendingSubscriptions = new HashMap<>();
    private final List<String> protocolErrors = new ArrayList<>();

    /** Outbound packet identifiers in use. A BitSet grows only as far as ids are used: idle connections stay small. */
    private final BitSet outboundInUse = new BitSet();
    /** Inbound QoS 2 packet identifiers received and not yet released. */
    private final BitSet inboundAwaitingRelease = new BitSet();
    private int nextPacketId = 1;
    private int unacknowledged;
    private long acknowledged;
    private long qos2Resends;
    private volatile boolean sessionPresent;
    private Runnable acknowledgedListener = () -> { };

    MqttClientHandler(String clientId, boolean cleanSession, int keepAliveSeconds, InboundListener listener,
            Runnable writabilityListener) {
        this.clientId = clientId;
        this.cleanSession = cleanSession;
        this.keepAliveSeconds = keepAliveSeconds;
        this.listener = listener;
        this.writabilityListener = writabilityListener;
    }

    CompletableFuture<Void> connAckFuture() {
        return connAck;
    }

    /** The CONNACK's session-present flag; meaningful once the CONNACK arrived. */
    boolean sessionPresent() {
        return sessionPresent;
    }

    int unacknowledged() {
        return unacknowledged;
    }

    long acknowledged() {
        return acknowledged;
    }

    long qos2Resends() {
        return qos2Resends;
    }

    void onAcknowledged(Runnable listener) {
        this.acknowledgedListener = listener;
    }

    List<String> protocolErrors() {
        return List.copyOf(protocolErrors);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(MqttMessageBuilders.connect()
                .protocolVersion(MqttVersion.MQTT_3_1_1)
                .clientId(clientId)
                .cleanSession(cleanSession)
                .keepAlive(keepAliveSeconds)
                .build());
        ctx.fireChannelActive();
    }

    CompletableFuture<List<Integer>> subscribe(Channel channel, String topicFilter, MqttQoS qos) {
        int id = allocatePacketId();
        CompletableFuture<List<Integer>> future = new CompletableFuture<>();
        if (id < 0) {
            future.completeExceptionally(new IllegalStateException("no free packet identifier"));
            return future;
        }
        pendingSubscriptions.put(id, future);
        channel.writeAndFlush(MqttMessageBuilders.subscribe().messageId(id).addSubscription(qos, topicFilter).build());
        return future;
    }

    boolean tryPublish(Channel channel, String topic, MqttQoS qos, ByteBuf payload) {
        int id = 0;
        if (qos != MqttQoS.AT_MOST_ONCE) {
            id = allocatePacketId();
            if (id < 0) {
                payload.release();
                return false;
            }
            unacknowledged++;
        }
        // Not MqttMessageBuilders.publish(): it copies the payload and leaves the original unreleased.
        channel.write(new MqttPublishMessage(new MqttFixedHeader(MqttMessageType.PUBLISH, false, qos, false, 0),
                new MqttPublishVariableHeader(topic, id), payload), channel.voidPromise());
        return true;
    }

    private int allocatePacketId() {
        for (int tries = 0; tries < MAX_PACKET_ID; tries++) {
            int id = nextPacketId;
            nextPacketId = nextPacketId == MAX_PACKET_ID ? 1 : nextPacketId + 1;
            if (!outboundInUse.get(id)) {
                outboundInUse.set(id);
                return id;
            }
        }
        return -1;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            MqttMessage message = (MqttMessage) msg;
            if (message.decoderResult().isFailure()) {
                protocolErrors.add("undecodable packet: " + message.decoderResult().cause());
                ctx.close();
                return;
            }
            handle(ctx, message);
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void handle(ChannelHandlerContext ctx, MqttMessage message) {
        MqttMessageType type = message.fixedHeader().messageType();
        switch (type) {
            case CONNACK -> {
                MqttConnAckMessage connAckMessage = (MqttConnAckMessage) message;
                MqttConnectReturnCode code = connAckMessage.variableHeader().connectReturnCode();
                if (code == MqttConnectReturnCode.CONNECTION_ACCEPTED) {
                    sessionPresent = connAckMessage.variableHeader().isSessionPresent();
                    connAck.complete(null);
                } else {
                    connAck.completeExceptionally(new IOException("CONNECT refused: " + code));
                    ctx.close();
                }
            }
            case SUBACK -> {
                MqttSubAckMessage subAck = (MqttSubAckMessage) message;
                int id = subAck.variableHeader().messageId();
                outboundInUse.clear(id);
                CompletableFuture<List<Integer>> future = pendingSubscriptions.remove(id);
                if (future != null) {
                    future.complete(subAck.payload().grantedQoSLevels());
                }
            }
            case PUBLISH -> onPublish(ctx, (MqttPublishMessage) message);
            case PUBACK, PUBCOMP -> onAcknowledged(idOf(message));
            case PUBREC -> ctx.write(new MqttMessage(
                    new MqttFixedHeader(MqttMessageType.PUBREL, false, MqttQoS.AT_LEAST_ONCE, false, 2),
                    MqttMessageIdVariableHeader.from(idOf(message))), ctx.voidPromise());
            case PUBREL -> {
                int id = idOf(message);
                inboundAwaitingRelease.clear(id);
                ctx.write(control(MqttMessageType.PUBCOMP, id), ctx.voidPromise());
            }
            case PINGRESP -> { }
            default -> {
                protocolErrors.add("unexpected " + type);
                ctx.close();
            }
        }
    }

    private void onPublish(ChannelHandlerContext ctx, MqttPublishMessage publish) {
        MqttQoS qos = publish.fixedHeader().qosLevel();
        int id = publish.variableHeader().packetId();
        switch (qos) {
            case AT_MOST_ONCE -> deliver(publish, 0);
            case AT_LEAST_ONCE -> {
                deliver(publish, 1);
                ctx.write(control(MqttMessageType.PUBACK, id), ctx.voidPromise());
            }
            case EXACTLY_ONCE -> {
                // A PUBLISH resent before we released its id is the same message: deliver it once.
                if (!inboundAwaitingRelease.get(id)) {
                    inboundAwaitingRelease.set(id);
                    deliver(publish, 2);
                } else {
                    qos2Resends++;
                }
                ctx.write(control(MqttMessageType.PUBREC, id), ctx.voidPromise());
            }
            default -> {
                protocolErrors.add("PUBLISH with invalid QoS");
                ctx.close();
            }
        }
    }

    private void deliver(MqttPublishMessage publish, int qos) {
        listener.onMessage(publish.variableHeader().topicName(), qos, publish.payload());
    }

    private void onAcknowledged(int id) {
        if (!outboundInUse.get(id)) {
            protocolErrors.add("acknowledgement for unused packet identifier " + id);
            return;
        }
        outboundInUse.clear(id);
        unacknowledged--;
        acknowledged++;
        acknowledgedListener.run();
    }

    private static int idOf(MqttMessage message) {
        return ((MqttMessageIdVariableHeader) message.variableHeader()).messageId();
    }

    private static MqttMessage control(MqttMessageType type, int id) {
        return new MqttMessage(new MqttFixedHeader(type, false, MqttQoS.AT_MOST_ONCE, false, 2),
                MqttMessageIdVariableHeader.from(id));
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            writabilityListener.run();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof IdleStateEvent) {
            ctx.writeAndFlush(MqttMessage.PINGREQ);
        } else {
            ctx.fireUserEventTriggered(event);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        IOException closed = new IOException("connection closed");
        connAck.completeExceptionally(closed);
        pendingSubscriptions.values().forEach(f -> f.completeExceptionally(closed));
        pendingSubscriptions.clear();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        connAck.completeExceptionally(cause);
        ctx.close();
    }
}
