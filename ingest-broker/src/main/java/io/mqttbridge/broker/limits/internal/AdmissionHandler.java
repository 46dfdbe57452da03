package io.mqttbridge.broker.limits.internal;

import io.mqttbridge.broker.connection.ClientConnection;
import io.mqttbridge.broker.metrics.LimitMetrics;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnAckVariableHeader;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Decides, when a connection opens, whether its listener takes it: at most {@code maxConnections}
 * open connections on the listener and at most {@code connectRatePerAddress} new connections a
 * second from one source address. A refused connection gets, in answer to its CONNECT, a CONNACK
 * with 0x97 Quota exceeded (too many connections) or 0x9F Connection rate exceeded (MQTT 5), or
 * 0x03 Server unavailable (3.1.1), and is closed; admitted connections never see this handler again.
 *
 * <p>Threading: shared by the channels of one listener; counters are atomic, the rate table is synchronized.
 */
@ChannelHandler.Sharable
public final class AdmissionHandler extends ChannelInboundHandlerAdapter {

    private static final AttributeKey<MqttConnectReturnCode> REFUSAL = AttributeKey.valueOf("mqttbridge.admissionRefusal");
    private static final AttributeKey<Boolean> COUNTED = AttributeKey.valueOf("mqttbridge.admissionCounted");

    private final int maxConnections;
    private final AtomicInteger open = new AtomicInteger();
    private final AddressTable<TokenBucket> connectRates;
    private final int connectRate;
    private final int connectBurst;
    private final LimitMetrics metrics;
    private final LongSupplier nanoClock;

    /**
     * @param maxConnections 0 = no limit
     * @param connectRates the per-address buckets, shared by all listeners; {@code null} when the rate is not limited
     */
    public AdmissionHandler(int maxConnections, AddressTable<TokenBucket> connectRates, int connectRate, int connectBurst,
                            LimitMetrics metrics, LongSupplier nanoClock) {
        this.maxConnections = maxConnections;
        this.connectRates = connectRates;
        this.connectRate = connectRate;
        this.connectBurst = connectBurst;
        this.metrics = metrics;
        this.nanoClock = nanoClock;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        MqttConnectReturnCode refusal = admit(ctx);
        if (refusal != null) {
            ctx.channel().attr(REFUSAL).set(refusal);
        }
        super.channelActive(ctx);
    }

    private MqttConnectReturnCode admit(ChannelHandlerContext ctx) {
        if (connectRates != null && ctx.channel().remoteAddress() instanceof InetSocketAddress remote
                && remote.getAddress() != null) {
            InetAddress address = remote.getAddress();
            long now = nanoClock.getAsLong();
            boolean allowed = connectRates.with(address, a -> new TokenBucket(connectRate, connectBurst, now),
                    bucket -> bucket.tryTake(1, now));
            if (!allowed) {
                metrics.connectRateRefused();
                return MqttConnectReturnCode.CONNECTION_REFUSED_CONNECTION_RATE_EXCEEDED;
            }
        }
        if (maxConnections > 0) {
            if (open.incrementAndGet() > maxConnections) {
                open.decrementAndGet();
                metrics.maxConnectionsRefused();
                return MqttConnectReturnCode.CONNECTION_REFUSED_QUOTA_EXCEEDED;
            }
            ctx.channel().attr(COUNTED).set(Boolean.TRUE);
            ctx.channel().closeFuture().addListener(closed -> open.decrementAndGet());
        }
        return null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        MqttConnectReturnCode refusal = ctx.channel().attr(REFUSAL).get();
        if (refusal == null) {
            ctx.pipeline().remove(this);
            ctx.fireChannelRead(msg);
            return;
        }
        // Counted as the guard behind would count it: the wire format check must not take it for one the
        // decoder is still waiting for and close the connection before the refusal is out.
        ClientConnection.of(ctx.channel()).packetReceived();
        boolean mqtt5 = msg instanceof MqttConnectMessage connect && connect.variableHeader().version() == 5;
        ReferenceCountUtil.release(msg);
        if (!(msg instanceof MqttConnectMessage)) {
            ctx.close();
            return;
        }
        MqttConnectReturnCode code = mqtt5 ? refusal : MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE;
        ctx.writeAndFlush(new MqttConnAckMessage(
                        new MqttFixedHeader(MqttMessageType.CONNACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                        new MqttConnAckVariableHeader(code, false)))
                .addListener(ChannelFutureListener.CLOSE);
    }

    /** Open connections counted against the listener's maximum. */
    public int openConnections() {
        return open.get();
    }
}
