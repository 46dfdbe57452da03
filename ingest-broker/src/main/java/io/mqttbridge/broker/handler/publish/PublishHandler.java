package io.mqttbridge.broker.handler.publish;

import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.broker.connection.ClientConnection;
import io.mqttbridge.broker.connection.InboundQosFlows;
import io.mqttbridge.broker.handler.Mqtt5Properties;
import io.mqttbridge.broker.limits.Limits;
import io.mqttbridge.broker.metrics.BrokerMetrics.DropReason;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.retained.RetainedQuota;
import io.mqttbridge.broker.routing.MessageRouter;
import io.mqttbridge.broker.session.Session;
import io.mqttbridge.broker.spi.DisconnectInfo;
import io.mqttbridge.broker.spi.MqttReasonCode;
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
import io.netty.util.ReferenceCountUtil;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Inbound PUBLISH and PUBREL. Validates each PUBLISH (topic alias, QoS, retain, topic name, receive
 * maximum, permission) and hands an accepted one to the sink and to matching subscribers: QoS 0 and
 * 1 at once (at most / at least once allow a copy the sink then refuses), QoS 2 once the sink
 * confirmed it.
 * What the client is told afterwards (PUBACK / PUBREC in arrival order once the sink's future
 * completes, duplicates, PUBREL / PUBCOMP) is the connection's
 * {@link io.mqttbridge.broker.connection.InboundQosFlows}.
 */
@ChannelHandler.Sharable
public final class PublishHandler extends ChannelInboundHandlerAdapter {

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);
    /** How often a QoS 2 message whose send timed out is looked up before the failure stands. */
    static final int LOOKUP_ATTEMPTS = 3;

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
            int packetId = ((MqttMessageIdVariableHeader) message.variableHeader()).messageId();
            ClientConnection.of(ctx.channel()).inbound().onPubrel(packetId);
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
            if (!Mqtt5Properties.definedForPublish(properties)) {
                connection.disconnect(MqttReasonCode.MALFORMED_PACKET, DisconnectInfo.PROTOCOL_ERROR);
                return;
            }
            if (properties.getProperty(MqttProperties.SUBSCRIPTION_IDENTIFIER) != null
                    || !Mqtt5Properties.responseTopicValid(properties)) {
                // Only the server sets subscription identifiers [MQTT-3.3.4-6]; a response topic is
                // a topic name, without wildcards [MQTT-3.3.2-14].
                connection.disconnect(MqttReasonCode.PROTOCOL_ERROR, DisconnectInfo.PROTOCOL_ERROR);
                return;
            }
            Integer alias = Mqtt5Properties.integer(properties, MqttProperties.TOPIC_ALIAS);
            if (alias != null) {
                if (alias == 0 || alias > connection.topicAliasMaximum()) {
                    connection.disconnect(MqttReasonCode.TOPIC_ALIAS_INVALID, DisconnectInfo.PROTOCOL_ERROR);
                    return;
                }
                if (topic == null || topic.isEmpty()) {
                    topic = connection.inboundTopicAlias(alias);
                    if (topic == null) {
                        connection.disconnect(MqttReasonCode.PROTOCOL_ERROR, DisconnectInfo.PROTOCOL_ERROR);
                        return;
                    }
                } else {
                    connection.setInboundTopicAlias(alias, topic);
                }
            }
            if (qos > config.getMaxQos()) {
                connection.disconnect(MqttReasonCode.QOS_NOT_SUPPORTED, DisconnectInfo.PROTOCOL_ERROR);
                return;
            }
            if (publish.fixedHeader().isRetain() && !config.isRetainAvailable()) {
                connection.disconnect(MqttReasonCode.RETAIN_NOT_SUPPORTED, DisconnectInfo.PROTOCOL_ERROR);
                return;
            }
        }
        if (topic == null || TopicFilters.validateTopicName(topic) != null) {
            connection.disconnect(topic == null || topic.isEmpty()
                    ? MqttReasonCode.PROTOCOL_ERROR : MqttReasonCode.TOPIC_NAME_INVALID,
                    DisconnectInfo.PROTOCOL_ERROR);
            return;
        }
        if (!limits.topicSizeAllowed(topic)) {
            limits.metrics().topicSizeRefused();
            connection.disconnect(MqttReasonCode.TOPIC_NAME_INVALID, DisconnectInfo.PROTOCOL_ERROR);
            return;
        }
        InboundQosFlows inbound = connection.inbound();
        // Set for a retransmitted QoS 2 message whose first copy the sink may or may not have stored.
        Instant firstReceivedAt = null;
        if (qos == 2 && inbound.hasQos2(packetId)) {
            firstReceivedAt = inbound.retransmittedQos2(packetId, config.getReceiveMaximum());
            if (firstReceivedAt == null) {
                return;
            }
        }
        boolean again = firstReceivedAt != null;
        boolean lookUp = again && inbound.mayBeStored(packetId);
        // A retransmission's flow is counted already: the limits below are for new flows.
        if (!again && qos == 2 && !mqtt5 && limits.maxInboundQos2PerClient() > 0
                && inbound.unacknowledged() >= limits.maxInboundQos2PerClient()) {
            // 3.1.1 announces no receive maximum and has no reason code: a client holding this many
            // QoS 2 flows open (never sending PUBREL) is closed rather than kept without bound.
            limits.metrics().inboundQos2Exceeded();
            connection.disconnect(MqttReasonCode.RECEIVE_MAXIMUM_EXCEEDED, DisconnectInfo.PROTOCOL_ERROR);
            return;
        }
        if (qos > 0 && !again) {
            // QoS 1 messages waiting for Kafka are not the client's doing: reading pauses for them.
            if (mqtt5 && inbound.chargedToClient() >= config.getReceiveMaximum()) {
                connection.disconnect(MqttReasonCode.RECEIVE_MAXIMUM_EXCEEDED, DisconnectInfo.PROTOCOL_ERROR);
                return;
            }
            inbound.started();
        }
        if (!again) {
            connection.traffic().messageIn(qos);
        }
        if (!connection.permissions().mayPublish(topic)) {
            metrics.dropped(DropReason.NOT_AUTHORIZED);
            if (qos > 0) {
                inbound.refuse(packetId, qos, MqttReasonCode.NOT_AUTHORIZED);
            }
            return;
        }
        ByteBuf content = publish.payload();
        byte[] payload = ByteBufUtil.getBytes(content, content.readerIndex(), content.readableBytes(), false);
        PublishedMessage message = new PublishedMessage(topic, payload, qos, publish.fixedHeader().isRetain(),
                connection.info().clientId(), connection.info().username(), connection.version(),
                again ? firstReceivedAt : Instant.now(),
                mqtt5 ? Mqtt5Properties.messageProperties(properties) : null);
        if (message.retain() && !retainedQuota.admits(message)) {
            limits.metrics().retainedRefused();
            if (mqtt5) {
                // Over the retained-message limits: refused as a whole, so the client knows it was not kept.
                if (qos > 0) {
                    inbound.refuse(packetId, qos, MqttReasonCode.QUOTA_EXCEEDED);
                }
                return;
            }
            // 3.1.1 has no negative acknowledgement: the message is delivered but not retained.
            message = new PublishedMessage(topic, payload, qos, false, message.clientId(), message.username(),
                    message.protocolVersion(), message.receivedAt(), message.properties());
        }
        if (qos == 2) {
            CompletableFuture<Void> sunk = confirmedIfStored(message, lookUp ? lookUpThenSink(connection, message)
                    : again ? sink(message) : recordThenSink(connection, packetId, message));
            // Routed only once the sink has it: a message the sink refuses reaches no subscriber.
            CompletableFuture<Void> routable = connection.sessionStepsWaiting()
                    ? afterSessionSteps(connection, sunk) : sunk;
            inbound.awaitQos2(packetId, message, routable, this::routeQos2, config.getReceiveMaximum());
            backPressure.afterPublish(connection);
            return;
        }
        CompletableFuture<Void> sunk = sink(message);
        if (sunk.isCompletedExceptionally()) {
            // Refused before it was sent (a full disk, a topic the mirror cannot map): the publisher is
            // told it was not taken, or resends it, so no subscriber may have it already.
            if (qos > 0) {
                inbound.awaitSink(packetId, qos, sunk, config.getReceiveMaximum());
            }
            backPressure.afterPublish(connection);
            return;
        }
        CompletableFuture<Void> stored = connection.sessionStepsWaiting()
                ? routeInSessionOrder(connection, message) : router.routeAndForward(message, null);
        if (!stored.isDone() || stored.isCompletedExceptionally()) {
            // Persistent subscribers hold it (and, in a cluster, other nodes got their copies):
            // acknowledge once it is in Kafka, in their session store and in the other nodes' inboxes.
            sunk = CompletableFuture.allOf(sunk, stored);
        }
        if (qos > 0) {
            inbound.awaitSink(packetId, qos, sunk, config.getReceiveMaximum());
        }
        backPressure.afterPublish(connection);
    }

    /**
     * Routes {@code message} after the subscription changes (and earlier routings) of this client still
     * waiting in its session's tasks ({@link ClientConnection#inSessionOrder}).
     */
    private CompletableFuture<Void> routeInSessionOrder(ClientConnection connection, PublishedMessage message) {
        CompletableFuture<CompletableFuture<Void>> routed = new CompletableFuture<>();
        connection.inSessionOrder(Session.of(connection.channel())::execute,
                () -> routed.completeAsync(() -> router.routeAndForward(message, null), Runnable::run));
        return routed.thenCompose(stored -> stored);
    }

    /**
     * {@code sunk}, completed only once the subscription changes of this client waiting in its session's
     * tasks now have been applied: a QoS 2 message is routed when the sink has it, which can come first.
     */
    private static CompletableFuture<Void> afterSessionSteps(ClientConnection connection,
                                                             CompletableFuture<Void> sunk) {
        CompletableFuture<Void> stepsApplied = new CompletableFuture<>();
        connection.inSessionOrder(Session.of(connection.channel())::execute, () -> stepsApplied.complete(null));
        return CompletableFuture.allOf(sunk, stepsApplied);
    }

    /**
     * Hands a new QoS 2 message to the sink once the session store recorded it as "handed over, outcome
     * unknown" (persistent sessions; at once otherwise): whatever the sink stores then has a record, so
     * that a retransmission after a crash is looked up instead of stored again.
     */
    private CompletableFuture<Void> recordThenSink(ClientConnection connection, int packetId,
                                                   PublishedMessage message) {
        CompletableFuture<Void> recorded = connection.inbound().beforeQos2Send(packetId, message.receivedAt());
        if (recorded.isDone() && !recorded.isCompletedExceptionally()) {
            return sink(message);
        }
        // Back on the event loop, where the sink expects its calls; records complete in call order.
        return recorded.thenComposeAsync(ignored -> sink(message), connection.channel().eventLoop());
    }

    /**
     * Asks the sink whether a retransmitted QoS 2 message whose first copy had an unknown outcome (the
     * node crashed, or the sink failed it after a timeout) is stored; hands it over again only if not.
     * Either way it is routed afterwards (a message the previous life stored was not routed: routing
     * and the packet id's record come after the sink's answer).
     */
    private CompletableFuture<Void> lookUpThenSink(ClientConnection connection, PublishedMessage message) {
        CompletableFuture<Boolean> stored;
        try {
            stored = sink.isStored(message);
        } catch (RuntimeException e) {
            stored = CompletableFuture.failedFuture(e);
        }
        return stored.thenComposeAsync(found -> {
            if (found) {
                metrics.qos2FoundInSink();
                return DONE;
            }
            return sink(message);
        }, connection.channel().eventLoop());
    }

    /**
     * A QoS 2 hand-over that failed with "unspecified error" (a timeout: Kafka may have written the
     * record all the same) is looked up before the client is told: if the sink has it, it succeeded.
     * Otherwise, or when the look-up fails too ({@value #LOOKUP_ATTEMPTS} attempts), the failure stands
     * (MQTT 5: PUBREC 0x80, after which the client publishes anew; 3.1.1: closed, and its retransmission
     * is looked up again).
     */
    private CompletableFuture<Void> confirmedIfStored(PublishedMessage message, CompletableFuture<Void> sunk) {
        if (sunk.isDone() && !sunk.isCompletedExceptionally()) {
            return sunk;
        }
        return sunk.exceptionallyCompose(error -> {
            Throwable cause = error instanceof CompletionException && error.getCause() != null
                    ? error.getCause() : error;
            if (!(cause instanceof PublishRejectedException rejected)
                    || rejected.reasonCode() != MqttReasonCode.UNSPECIFIED_ERROR) {
                return CompletableFuture.failedFuture(cause);
            }
            return isStored(message, LOOKUP_ATTEMPTS).handle((found, lookupError) -> {
                if (Boolean.TRUE.equals(found)) {
                    metrics.qos2FoundInSink();
                    return DONE;
                }
                return CompletableFuture.<Void>failedFuture(cause);
            }).thenCompose(result -> result);
        });
    }

    /* The sink's answer, asked again after a failed look-up (Kafka may be coming back). */
    private CompletableFuture<Boolean> isStored(PublishedMessage message, int attempts) {
        CompletableFuture<Boolean> found;
        try {
            found = sink.isStored(message);
        } catch (RuntimeException e) {
            found = CompletableFuture.failedFuture(e);
        }
        if (attempts <= 1) {
            return found;
        }
        return found.handle((stored, error) -> error == null ? CompletableFuture.completedFuture(stored)
                : isStored(message, attempts - 1)).thenCompose(result -> result);
    }

    /** Routes a QoS 2 message the sink confirmed. */
    private InboundQosFlows.Routed routeQos2(PublishedMessage message) {
        CompletableFuture<Void> handed = new CompletableFuture<>();
        CompletableFuture<Void> stored = router.routeAndForward(message, sessions -> handed.complete(null));
        // Every local session issued its store write when it took the message; other nodes only have it
        // once Kafka acknowledged their copies.
        return new InboundQosFlows.Routed(handed, router.forwardsToOtherNodes() ? stored : handed, stored);
    }

    private CompletableFuture<Void> sink(PublishedMessage message) {
        try {
            CompletableFuture<Void> result = sink.accept(message);
            return result == null ? DONE : result;
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
