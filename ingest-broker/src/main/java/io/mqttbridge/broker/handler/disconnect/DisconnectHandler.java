package io.mqttbridge.broker.handler.disconnect;

import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.broker.connection.ClientConnection.State;
import io.mqttbridge.broker.connection.ClientConnection;
import io.mqttbridge.broker.connection.WillMessage;
import io.mqttbridge.broker.handler.Mqtt5Properties;
import io.mqttbridge.broker.handler.publish.BackPressure;
import io.mqttbridge.broker.limits.Limits;
import io.mqttbridge.broker.session.Session;
import io.mqttbridge.broker.spi.ConnectionInfo;
import io.mqttbridge.broker.spi.DisconnectInfo;
import io.mqttbridge.broker.spi.MqttReasonCode;
import io.mqttbridge.broker.spi.SessionListener;
import io.mqttbridge.broker.will.WillPublisher;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;

/**
 * Every way a connection ends: DISCONNECT from the client, keep-alive timeout, I/O errors and the
 * socket closing. On close it publishes or schedules the will, detaches the session and tells the
 * session listener exactly once.
 */
@ChannelHandler.Sharable
public final class DisconnectHandler extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(DisconnectHandler.class);

    private final WillPublisher willPublisher;
    private final SessionListener listener;
    private final BackPressure backPressure;
    private final long maxSessionExpirySeconds;
    private final Limits limits;

    public DisconnectHandler(WillPublisher willPublisher, SessionListener listener, BackPressure backPressure) {
        this(willPublisher, listener, backPressure, null, null);
    }

    /**
     * @param config its {@code maxSessionExpirySeconds} caps an expiry raised at DISCONNECT; {@code null} = no cap
     * @param limits counts capped expiries; may be {@code null} when {@code config} is
     */
    public DisconnectHandler(WillPublisher willPublisher, SessionListener listener, BackPressure backPressure,
                             BrokerConfig config, Limits limits) {
        this.willPublisher = willPublisher;
        this.listener = listener;
        this.backPressure = backPressure;
        this.maxSessionExpirySeconds = config == null ? Long.MAX_VALUE : config.getMaxSessionExpirySeconds();
        this.limits = limits;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof MqttMessage message) || message.fixedHeader().messageType() != MqttMessageType.DISCONNECT) {
            ReferenceCountUtil.release(msg);
            return;
        }
        ClientConnection connection = ClientConnection.of(ctx.channel());
        int reasonCode = 0;
        if (connection.isMqtt5() && message.variableHeader() instanceof MqttReasonCodeAndPropertiesVariableHeader header) {
            reasonCode = header.reasonCode() & 0xFF;
            Integer expiry = Mqtt5Properties.integer(header.properties(), MqttProperties.SESSION_EXPIRY_INTERVAL);
            if (expiry != null) {
                if (connection.sessionExpirySeconds() == 0 && expiry != 0) {
                    // [MQTT-3.14.2-2]: a session that was to end with the connection cannot be prolonged here.
                    connection.disconnect(MqttReasonCode.PROTOCOL_ERROR, DisconnectInfo.PROTOCOL_ERROR);
                    return;
                }
                long requested = Integer.toUnsignedLong(expiry);
                if (requested > maxSessionExpirySeconds) {
                    // A client must not outlast the broker's cap by raising the expiry on its way out.
                    requested = maxSessionExpirySeconds;
                    if (limits != null) {
                        limits.metrics().sessionExpiryCapped();
                    }
                }
                connection.setSessionExpirySeconds(requested);
            }
        }
        connection.clientDisconnected(reasonCode);
        connection.setState(State.CLOSED);
        ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("closing connection {} after an error", ctx.channel(), cause);
        ClientConnection connection = ClientConnection.of(ctx.channel());
        if (connection != null) {
            connection.recordReason(DisconnectInfo.CONNECTION_LOST, null);
        }
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        ClientConnection connection = ClientConnection.of(ctx.channel());
        backPressure.forget(ctx.channel());
        connection.cancelConnectTimeout();
        connection.cancelKeepAlive();
        connection.setState(State.CLOSED);
        for (MqttMessage held : connection.takeHeldMessages()) {
            ReferenceCountUtil.release(held);
        }
        Session session = Session.of(connection.channel());
        ConnectionInfo info = connection.info();
        if (session == null || info == null) {
            ctx.fireChannelInactive();
            return;
        }
        WillMessage will = connection.will();
        // Checked again: the will was allowed at CONNECT, but the device's rules may have changed since.
        boolean publishWill = will != null && connection.sendWill()
                && (connection.permissions() == null || connection.permissions().mayPublish(will.message().topic()));
        String reason = connection.disconnectReason() == null ? DisconnectInfo.CONNECTION_LOST : connection.disconnectReason();
        DisconnectInfo disconnect = new DisconnectInfo(Instant.now(), reason, connection.disconnectReasonCode(), publishWill);
        boolean announced = connection.announced();
        session.detach(connection, publishWill ? () -> willPublisher.publish(will) : null,
                publishWill ? will.delaySeconds() : 0, () -> {
                    if (announced) {
                        listener.onDisconnected(info, disconnect);
                    }
                });
        ctx.fireChannelInactive();
    }
}
