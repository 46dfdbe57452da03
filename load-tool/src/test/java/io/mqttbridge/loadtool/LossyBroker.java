package io.mqttbridge.loadtool;

import io.mqttbridge.loadtool.measure.Payloads;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;

/**
 * A deliberately broken MQTT broker for testing the load tool's integrity checks: it acknowledges
 * every QoS 1 publish, forwards it at QoS 1 to every subscriber (any filter), but drops the messages
 * whose sequence number {@code drop} selects and sends those {@code duplicate} selects twice.
 */
final class LossyBroker implements AutoCloseable {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final List<Channel> subscribers = new CopyOnWriteArrayList<>();
    private final Channel server;
    private final LongPredicate drop;
    private final LongPredicate duplicate;
    private int nextId = 1;

    LossyBroker(LongPredicate drop, LongPredicate duplicate) throws InterruptedException {
        this.drop = drop;
        this.duplicate = duplicate;
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        channel.pipeline().addLast(new MqttDecoder(), MqttEncoder.INSTANCE, new Handler());
                    }
                })
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    private final class Handler extends SimpleChannelInboundHandler<MqttMessage> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, MqttMessage message) {
            switch (message.fixedHeader().messageType()) {
                case CONNECT -> ctx.writeAndFlush(MqttMessageBuilders.connAck()
                        .returnCode(MqttConnectReturnCode.CONNECTION_ACCEPTED).build());
                case SUBSCRIBE -> {
                    MqttSubscribeMessage subscribe = (MqttSubscribeMessage) message;
                    subscribers.add(ctx.channel());
                    MqttMessageBuilders.SubAckBuilder subAck = MqttMessageBuilders.subAck()
                            .packetId(subscribe.variableHeader().messageId());
                    for (MqttTopicSubscription ignored : subscribe.payload().topicSubscriptions()) {
                        subAck.addGrantedQos(MqttQoS.AT_LEAST_ONCE);
                    }
                    ctx.writeAndFlush(subAck.build());
                }
                case PUBLISH -> onPublish(ctx, (MqttPublishMessage) message);
                case PINGREQ -> ctx.writeAndFlush(MqttMessage.PINGRESP);
                case DISCONNECT -> ctx.close();
                default -> { }
            }
        }

        private void onPublish(ChannelHandlerContext ctx, MqttPublishMessage publish) {
            ByteBuf payload = publish.payload();
            long sequence = Payloads.sequence(payload);
            int copies = drop.test(sequence) ? 0 : duplicate.test(sequence) ? 2 : 1;
            for (Channel subscriber : subscribers) {
                for (int i = 0; i < copies; i++) {
                    int id = nextId;
                    nextId = nextId == 0xFFFF ? 1 : nextId + 1;
                    subscriber.writeAndFlush(new MqttPublishMessage(
                            new MqttFixedHeader(MqttMessageType.PUBLISH, false, MqttQoS.AT_LEAST_ONCE, false, 0),
                            new MqttPublishVariableHeader(publish.variableHeader().topicName(), id),
                            payload.retainedDuplicate()));
                }
            }
            if (publish.fixedHeader().qosLevel() == MqttQoS.AT_LEAST_ONCE) {
                ctx.writeAndFlush(new MqttMessage(new MqttFixedHeader(MqttMessageType.PUBACK, false, MqttQoS.AT_MOST_ONCE, false, 2),
                        MqttMessageIdVariableHeader.from(publish.variableHeader().packetId())));
            }
        }
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
