package io.mqttbridge.broker.limits.internal;

import io.mqttbridge.broker.connection.ClientConnection;
import io.mqttbridge.broker.metrics.LimitMetrics;
import io.mqttbridge.broker.spi.DisconnectInfo;
import io.mqttbridge.broker.spi.MqttReasonCode;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.util.ReferenceCountUtil;

import java.util.function.LongSupplier;

/**
 * Per-connection PUBLISH limits: messages a second and payload bytes a second, each with a burst.
 * A client over a limit is disconnected (MQTT 5: DISCONNECT 0x96 Message rate too high, or 0x97
 * Quota exceeded for bytes; 3.1.1: closed) and the offending message is dropped; it may reconnect.
 *
 * <p>Threading: one instance per channel, confined to its event loop.
 */
public final class PublishRateLimiter extends ChannelInboundHandlerAdapter {

    private final TokenBucket messages;
    private final TokenBucket bytes;
    private final LimitMetrics metrics;
    private final LongSupplier nanoClock;

    /** A rate of 0 leaves that dimension unlimited. */
    public PublishRateLimiter(long messagesPerSecond, long messageBurst, long bytesPerSecond, long byteBurst,
                              LimitMetrics metrics, LongSupplier nanoClock) {
        long now = nanoClock.getAsLong();
        this.messages = messagesPerSecond > 0 ? new TokenBucket(messagesPerSecond, messageBurst, now) : null;
        this.bytes = bytesPerSecond > 0 ? new TokenBucket(bytesPerSecond, byteBurst, now) : null;
        this.metrics = metrics;
        this.nanoClock = nanoClock;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof MqttPublishMessage publish)) {
            ctx.fireChannelRead(msg);
            return;
        }
        long now = nanoClock.getAsLong();
        if (messages != null && !messages.tryTake(1, now)) {
            metrics.publishRateExceeded();
            refuse(ctx, msg, MqttReasonCode.MESSAGE_RATE_TOO_HIGH);
            return;
        }
        if (bytes != null && !bytes.tryTake(publish.payload().readableBytes(), now)) {
            metrics.publishBytesExceeded();
            refuse(ctx, msg, MqttReasonCode.QUOTA_EXCEEDED);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    private static void refuse(ChannelHandlerContext ctx, Object msg, int reasonCode) {
        ReferenceCountUtil.release(msg);
        ClientConnection.of(ctx.channel()).disconnect(reasonCode, DisconnectInfo.LIMIT_EXCEEDED);
    }
}
