package io.mqttbridge.broker.handler.publish;

import io.mqttbridge.broker.BrokerConfig;
import io.mqttbridge.broker.connection.ClientConnection;
import io.mqttbridge.broker.limits.Limits;
import io.mqttbridge.broker.retained.RetainedQuota;
import io.mqttbridge.broker.connection.InboundPublishes;
import io.mqttbridge.broker.connection.InboundPublishes.PendingAck;
import io.mqttbridge.broker.connection.InboundPublishes.Qos2Flow;
import io.mqttbridge.broker.connection.InboundPublishes.Qos2State;
import io.mqttbridge.broker.handler.Mqtt5Properties;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.metrics.BrokerMetrics.DropReason;
import io.mqttbridge.broker.routing.MessageRouter;
import io.mqttbridge.broker.spi.DisconnectInfo;
import io.mqttbridge.broker.spi.PublishRejectedException;
import io.mqttbridge.broker.spi.PublishSink;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.TopicFilters;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.util.ReferenceCountUtil;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Inbound PUBLISH and PUBREL. Each accepted PUBLISH goes to the sink and, at once, to matching
 * subscribers; PUBACK / PUBREC are released in arrival order once the sink's future completes.
 */
@ChannelHandler.Sharable
public final class PublishHandler extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(PublishHandler.class);
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final BrokerConfig config;
    private final PublishSink sink;
    private final MessageRouter router;
    private final BackPressure backPressure;
    private final BrokerMetrics metrics;
    private final Limits limits;
    private final RetainedQuota retainedQuota;

    public PublishHandler(BrokerConfig config, PublishSink sink, MessageRouter router, BackPressure backPressure,
                          BrokerMetrics metrics, Limits limits, RetainedQuota retainedQuota) {
        this.limits = limits;
        this.retainedQuota = retainedQuota;
        this.config = config;
        this.sink = sink;
        this.router = router;
        this.backPressure = backPressure;
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof MqttPublishMessage publish) {
            try {
                onPublish(ctx, ClientConnection.of(ctx.channel()), publish);
            } finally {
                ReferenceCountUtil.release(publish);
            }
        } else if (msg instanceof MqttMessage message && message.fixedHeader().messageType() == MqttMessageType.PUBREL) {
            onPubrel(ctx, ClientConnection.of(ctx.channel()), (MqttMessageIdVariableHeader) message.variableHeader());
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    private void onPublish(ChannelHandlerContext ctx, ClientConnection connection, MqttPublishMessage publish) {
        MqttPublishVariableHeader header = publish.variableHeader();
        int qos = publish.fixedHeader().qosLevel().value();
        int packetId = header.packetId();
        boolean mqtt5 = connection.isMqtt5();
        MqttProperties properties = header.properties();
        String topic = header.topicName();

        if (mqtt5) {
            Integer alias = Mqtt5Properties.integer(properties, MqttProperties.TOPIC_ALIAS);
            if (alias != null) {
                if (alias == 0 || alias > connection.topicAliasMaximum()) {
                    connection.disconnect(ClientConnection.REASON_TOPIC_ALIAS_INVALID, DisconnectInfo.PROTOCOL_ERROR);
                    return;
                }
                if (topic == null || topic.isEmpty()) {
                    topic = connection.inboundTopicAlias(alias);
                    if (topic == null) {
                        connection.disconnect(ClientConnection.REASON_PROTOCOL_ERROR, DisconnectInfo.PROTOCOL_ERROR);
                        return;
                    }
                } else {
                    connection.setInboundTopicAlias(alias, topic);
                }
            }
            if (qos > config.getMaxQos()) {
                connection.disconnect(ClientConnection.REASON_QOS_NOT_SUPPORTED, DisconnectInfo.PROTOCOL_ERROR);
                return;
            }
            if (publish.fixedHeader().isRetain() && !config.isRetainAvailable()) {
                connection.disconnect(ClientConnection.REASON_RETAIN_NOT_SUPPORTED, DisconnectInfo.PROTOCOL_ERROR);
                return;
            }
        }
        if (topic == null || TopicFilters.validateTopicName(topic) != null) {
            connection.disconnect(topic == null || topic.isEmpty()
                    ? ClientConnection.REASON_PROTOCOL_ERROR : ClientConnection.REASON_TOPIC_NAME_INVALID,
                    DisconnectInfo.PROTOCOL_ERROR);
            return;
        }
        if (!limits.topicSizeAllowed(topic)) {
            limits.metrics().topicSizeRefused();
            connection.disconnect(ClientConnection.REASON_TOPIC_NAME_INVALID, DisconnectInfo.PROTOCOL_ERROR);
            return;
        }
        InboundPublishes inbound = connection.inbound();
        if (qos == 2) {
            Qos2Flow existing = inbound.qos2(packetId);
            if (existing != null) {
                onDuplicateQos2(ctx, connection, packetId, existing);
                return;
            }
            if (!mqtt5 && limits.maxInboundQos2PerClient() > 0
                    && inbound.unacknowledged() >= limits.maxInboundQos2PerClient()) {
                // 3.1.1 announces no receive maximum and has no reason code: a client holding this many
                // QoS 2 flows open (never sending PUBREL) is closed rather than kept without bound.
                limits.metrics().inboundQos2Exceeded();
                connection.disconnect(ClientConnection.REASON_RECEIVE_MAXIMUM_EXCEEDED, DisconnectInfo.PROTOCOL_ERROR);
                return;
            }
        }
        if (qos > 0) {
            if (mqtt5 && inbound.unacknowledged() >= config.getReceiveMaximum()) {
                connection.disconnect(ClientConnection.REASON_RECEIVE_MAXIMUM_EXCEEDED, DisconnectInfo.PROTOCOL_ERROR);
                return;
            }
            inbound.started();
        }
        connection.traffic().messageIn(qos);
        if (!connection.permissions().mayPublish(topic)) {
            metrics.dropped(DropReason.NOT_AUTHORIZED);
            if (qos > 0) {
                // 3.1.1 has no negative ack: acknowledge and drop [MQTT-3.3.5-2]; 5.0 says 0x87.
                inbound.enqueueAck(new PendingAck(packetId, qos, DONE, mqtt5 ? ClientConnection.REASON_NOT_AUTHORIZED : 0));
                if (qos == 2) {
                    inbound.startQos2(packetId, null).setState(Qos2State.RECEIVED);
                }
                releaseAcks(ctx, connection);
            }
            return;
        }
        ByteBuf content = publish.payload();
        byte[] payload = ByteBufUtil.getBytes(content, content.readerIndex(), content.readableBytes(), false);
        PublishedMessage message = new PublishedMessage(topic, payload, qos, publish.fixedHeader().isRetain(),
                connection.info().clientId(), connection.info().username(), connection.version(), Instant.now(),
                mqtt5 ? Mqtt5Properties.messageProperties(properties) : null);
        if (message.retain() && !retainedQuota.admits(message)) {
            limits.metrics().retainedRefused();
            if (mqtt5) {
                // Over the retained-message limits: refused as a whole, so the client knows it was not kept.
                if (qos > 0) {
                    inbound.enqueueAck(new PendingAck(packetId, qos, DONE, ClientConnection.REASON_QUOTA_EXCEEDED));
                    if (qos == 2) {
                        inbound.startQos2(packetId, null).setState(Qos2State.RECEIVED);
                    }
                    releaseAcks(ctx, connection);
                }
                return;
            }
            // 3.1.1 has no negative acknowledgement: the message is delivered but not retained.
            message = new PublishedMessage(topic, payload, qos, false, message.clientId(), message.username(),
                    message.protocolVersion(), message.receivedAt(), message.properties());
        }
        if (qos == 2) {
            inbound.startQos2(packetId, message);
        }
        CompletableFuture<Void> sunk = sink(message);
        CompletableFuture<Void> stored = router.routeAndForward(message, null);
        if (!stored.isDone() || stored.isCompletedExceptionally()) {
            // Persistent subscribers hold it (and, in a cluster, other nodes got their copies):
            // acknowledge once it is in Kafka, in their session store and in the other nodes' inboxes.
            sunk = CompletableFuture.allOf(sunk, stored);
        }
        if (qos > 0) {
            inbound.enqueueAck(new PendingAck(packetId, qos, sunk, 0));
            if (!mqtt5 && inbound.awaitingAck() >= config.getReceiveMaximum()) {
                // 3.1.1 has no receive maximum to announce: bound the acks waiting for the sink by reading
                // no further. Not the QoS 2 flows past PUBREC: reading must go on for their PUBRELs.
                connection.channel().config().setAutoRead(false);
            }
            awaitAndRelease(ctx, connection, sunk);
        }
        backPressure.afterPublish(connection);
    }

    private void onDuplicateQos2(ChannelHandlerContext ctx, ClientConnection connection, int packetId, Qos2Flow flow) {
        switch (flow.state()) {
            case SINKING -> {
                // The first copy's PUBREC is still waiting for the sink; it answers this one too.
            }
            case RECEIVED -> {
                connection.writeReply(MqttMessageType.PUBREC, MqttQoS.AT_MOST_ONCE, packetId, 0);
                connection.flushSoon();
            }
            case SINK_FAILED -> {
                flow.setState(Qos2State.SINKING);
                CompletableFuture<Void> sunk = sink(flow.message());
                connection.inbound().enqueueAck(new PendingAck(packetId, 2, sunk, 0));
                awaitAndRelease(ctx, connection, sunk);
                backPressure.afterPublish(connection);
            }
        }
    }

    private CompletableFuture<Void> sink(PublishedMessage message) {
        try {
            CompletableFuture<Void> result = sink.accept(message);
            return result == null ? DONE : result;
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private void awaitAndRelease(ChannelHandlerContext ctx, ClientConnection connection, CompletableFuture<Void> sunk) {
        if (sunk.isDone()) {
            releaseAcks(ctx, connection);
        } else {
            sunk.whenComplete((ignored, error) -> ctx.executor().execute(() -> releaseAcks(ctx, connection)));
        }
    }

    private void releaseAcks(ChannelHandlerContext ctx, ClientConnection connection) {
        InboundPublishes inbound = connection.inbound();
        boolean wrote = false;
        PendingAck ack;
        while ((ack = inbound.pollReadyAck()) != null) {
            int reason = ack.overrideReasonCode();
            boolean failed = false;
            String reasonString = null;
            if (ack.sinkResult().isCompletedExceptionally()) {
                failed = true;
                Throwable cause = causeOf(ack.sinkResult());
                reason = reasonOf(cause);
                reasonString = cause == null ? null : cause.getMessage();
            }
            boolean mqtt5 = connection.isMqtt5();
            if (failed && !mqtt5) {
                // Acks after this one are still taken in (a stored QoS 2 message must not be stored again
                // when the client resends it), though the closed connection no longer gets them.
                closeForUnstoredPublish(connection, ack, reason, reasonString);
                continue;
            }
            if (ack.qos() == 1) {
                inbound.completed();
                connection.writeReply(MqttMessageType.PUBACK, MqttQoS.AT_MOST_ONCE, ack.packetId(), reason,
                        reasonString);
                wrote = true;
            } else {
                Qos2Flow flow = inbound.qos2(ack.packetId());
                if (!failed) {
                    if (flow != null) {
                        flow.setState(Qos2State.RECEIVED);
                    }
                    if (reason >= 0x80) {
                        inbound.removeQos2(ack.packetId());
                        inbound.completed();
                    }
                    connection.writeReply(MqttMessageType.PUBREC, MqttQoS.AT_MOST_ONCE, ack.packetId(), reason);
                    wrote = true;
                } else {
                    // MQTT 5: a PUBREC with an error code ends the QoS 2 flow [MQTT-4.3.3].
                    inbound.removeQos2(ack.packetId());
                    inbound.completed();
                    connection.writeReply(MqttMessageType.PUBREC, MqttQoS.AT_MOST_ONCE, ack.packetId(), reason,
                            reasonString);
                    wrote = true;
                }
            }
        }
        if (wrote) {
            connection.flushSoon();
        }
        if (!connection.isMqtt5() && !connection.isPausedByBackPressure()
                && connection.state() == ClientConnection.State.CONNECTED
                && inbound.awaitingAck() < config.getReceiveMaximum() && !ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    /*
     * 3.1.1 has no negative acknowledgement, and clients resend unacknowledged messages only on a new
     * connection: waiting would leave the client waiting for ever. The acks released before this one
     * were written; the ones after it are resent by the client with this one.
     */
    private void closeForUnstoredPublish(ClientConnection connection, PendingAck ack, int reason, String reasonString) {
        if (ack.qos() == 2) {
            Qos2Flow flow = connection.inbound().qos2(ack.packetId());
            if (flow != null) {
                flow.setState(Qos2State.SINK_FAILED);
            }
        }
        if (connection.state() == ClientConnection.State.CLOSED) {
            return;
        }
        metrics.closedForPublishNotStored();
        LOG.warn("Closing MQTT 3.1.1 connection of client {}: its QoS {} message (packet id {}) could not be stored"
                        + " (reason 0x{}: {}); the client resends it when it reconnects",
                connection.info().clientId(), ack.qos(), ack.packetId(), Integer.toHexString(reason), reasonString);
        connection.channel().flush();
        connection.disconnect(PublishRejectedException.UNSPECIFIED_ERROR, DisconnectInfo.PUBLISH_NOT_STORED);
    }

    private static Throwable causeOf(CompletableFuture<Void> failed) {
        try {
            failed.join();
            return null;
        } catch (CompletionException | CancellationException e) {
            return e.getCause() == null ? e : e.getCause();
        }
    }

    private static int reasonOf(Throwable cause) {
        if (cause instanceof PublishRejectedException rejected && rejected.reasonCode() >= 0x80
                && rejected.reasonCode() <= 0xFF) {
            return rejected.reasonCode();
        }
        return PublishRejectedException.UNSPECIFIED_ERROR;
    }

    private void onPubrel(ChannelHandlerContext ctx, ClientConnection connection, MqttMessageIdVariableHeader header) {
        int packetId = header.messageId();
        Qos2Flow flow = connection.inbound().removeQos2(packetId);
        if (flow != null) {
            connection.inbound().completed();
        }
        connection.writeReply(MqttMessageType.PUBCOMP, MqttQoS.AT_MOST_ONCE, packetId,
                flow == null ? 0x92 : 0);
        connection.flushSoon();
    }
}
