package io.mqttbridge.broker.handler.connect;

import io.mqttbridge.broker.connection.ClientConnection;
import io.mqttbridge.broker.handler.auth.EnhancedAuthFlow;
import io.mqttbridge.broker.limits.Limits;
import io.mqttbridge.broker.connection.ClientConnection.State;
import io.mqttbridge.broker.netty.HandlerNames;
import io.mqttbridge.broker.spi.DisconnectInfo;
import io.mqttbridge.broker.spi.MqttReasonCode;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnAckVariableHeader;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttIdentifierRejectedException;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttUnacceptableProtocolVersionException;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;

import java.util.concurrent.TimeUnit;

/**
 * Enforces the order of packets on a connection and turns decoder failures into the right
 * reaction: the first packet must be CONNECT, a second CONNECT is a protocol error, packets only a
 * server may send are protocol errors, malformed and oversized packets close the connection (MQTT 5
 * with DISCONNECT 0x81 / 0x95). Packets arriving while CONNECT is being authenticated are held and
 * replayed after CONNACK, except AUTH, which goes to the {@link EnhancedAuthFlow} (also after
 * CONNACK, for re-authentication). Also closes sockets that send no CONNECT within the connect timeout.
 */
@ChannelHandler.Sharable
public final class ConnectionGuardHandler extends ChannelInboundHandlerAdapter {

    /** The attribute where Netty's MQTT decoder records the version of the CONNECT it is decoding. */
    private static final AttributeKey<MqttVersion> CODEC_VERSION =
            AttributeKey.valueOf("NETTY_CODEC_MQTT_VERSION");

    private final int connectTimeoutSeconds;
    private final Limits limits;
    private final EnhancedAuthFlow enhancedAuth;

    public ConnectionGuardHandler(int connectTimeoutSeconds) {
        this(connectTimeoutSeconds, null);
    }

    /** @param limits bound the bytes held while CONNECT is authenticated; {@code null} = no bound */
    public ConnectionGuardHandler(int connectTimeoutSeconds, Limits limits) {
        this(connectTimeoutSeconds, limits, EnhancedAuthFlow.NONE);
    }

    /** @param enhancedAuth takes the AUTH packets of MQTT 5 enhanced authentication, at CONNECT and later */
    public ConnectionGuardHandler(int connectTimeoutSeconds, Limits limits, EnhancedAuthFlow enhancedAuth) {
        this.connectTimeoutSeconds = connectTimeoutSeconds;
        this.limits = limits;
        this.enhancedAuth = enhancedAuth;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ClientConnection connection = ClientConnection.of(ctx.channel());
        connection.setConnectTimeout(ctx.executor().schedule(() -> {
            if (connection.state() == State.AWAIT_CONNECT || connection.state() == State.AUTHENTICATING) {
                connection.recordReason(DisconnectInfo.PROTOCOL_ERROR, null);
                ctx.close();
            }
        }, connectTimeoutSeconds, TimeUnit.SECONDS));
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ClientConnection connection = ClientConnection.of(ctx.channel());
        connection.packetReceived();
        if (!(msg instanceof MqttMessage message)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (message.decoderResult().isFailure()) {
            ReferenceCountUtil.release(msg);
            onDecoderFailure(ctx, connection, message);
            return;
        }
        MqttMessageType type = message.fixedHeader().messageType();
        switch (connection.state()) {
            case AWAIT_CONNECT -> {
                if (type != MqttMessageType.CONNECT) {
                    ReferenceCountUtil.release(msg);
                    connection.recordReason(DisconnectInfo.PROTOCOL_ERROR, null);
                    ctx.close();
                    return;
                }
                if (ctx.pipeline().get(HandlerNames.PRE_CONNECT_BYTES) != null) {
                    // The CONNECT is here: what the client sent before it no longer waits in a decoder.
                    ctx.pipeline().remove(HandlerNames.PRE_CONNECT_BYTES);
                }
                ctx.fireChannelRead(msg);
            }
            case AUTHENTICATING -> {
                if (type == MqttMessageType.CONNECT) {
                    ReferenceCountUtil.release(msg);
                    connection.recordReason(DisconnectInfo.PROTOCOL_ERROR, null);
                    ctx.close();
                } else if (type == MqttMessageType.AUTH) {
                    enhancedAuth.onAuth(ctx.channel(), connection, message);
                } else if (!connection.holdUntilConnected(message, limits == null ? 0 : limits.maxUnauthenticatedBytes())) {
                    // Nothing may be sent before CONNACK: an unauthenticated client over its byte bound is closed.
                    ReferenceCountUtil.release(msg);
                    if (limits != null) {
                        limits.metrics().unauthenticatedBytesExceeded();
                    }
                    connection.recordReason(DisconnectInfo.PROTOCOL_ERROR, null);
                    ctx.close();
                }
            }
            case CONNECTED -> {
                if (type == MqttMessageType.AUTH) {
                    enhancedAuth.onAuth(ctx.channel(), connection, message);
                    return;
                }
                if (isServerOnly(type) || type == MqttMessageType.CONNECT) {
                    ReferenceCountUtil.release(msg);
                    connection.disconnect(MqttReasonCode.PROTOCOL_ERROR, DisconnectInfo.PROTOCOL_ERROR);
                    return;
                }
                ctx.fireChannelRead(msg);
            }
            case CLOSED -> ReferenceCountUtil.release(msg);
        }
    }

    private static boolean isServerOnly(MqttMessageType type) {
        return type == MqttMessageType.CONNACK || type == MqttMessageType.SUBACK
                || type == MqttMessageType.UNSUBACK || type == MqttMessageType.PINGRESP;
    }

    private void onDecoderFailure(ChannelHandlerContext ctx, ClientConnection connection, MqttMessage message) {
        Throwable cause = message.decoderResult().cause();
        if (connection.state() == State.AWAIT_CONNECT) {
            MqttConnectReturnCode refusal = null;
            if (cause instanceof MqttUnacceptableProtocolVersionException) {
                refusal = MqttConnectReturnCode.CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION;
            } else if (cause instanceof MqttIdentifierRejectedException) {
                boolean mqtt5 = ctx.channel().attr(CODEC_VERSION).get() == MqttVersion.MQTT_5;
                refusal = mqtt5
                        ? MqttConnectReturnCode.CONNECTION_REFUSED_CLIENT_IDENTIFIER_NOT_VALID
                        : MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED;
            }
            connection.recordReason(DisconnectInfo.PROTOCOL_ERROR, null);
            connection.setState(State.CLOSED);
            if (refusal != null) {
                MqttConnAckMessage connAck = new MqttConnAckMessage(
                        new MqttFixedHeader(MqttMessageType.CONNACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                        new MqttConnAckVariableHeader(refusal, false));
                ctx.writeAndFlush(connAck).addListener(ChannelFutureListener.CLOSE);
            } else {
                ctx.close();
            }
            return;
        }
        int reason = cause instanceof TooLongFrameException
                ? MqttReasonCode.PACKET_TOO_LARGE
                : MqttReasonCode.MALFORMED_PACKET;
        connection.disconnect(reason, DisconnectInfo.PROTOCOL_ERROR);
    }
}
