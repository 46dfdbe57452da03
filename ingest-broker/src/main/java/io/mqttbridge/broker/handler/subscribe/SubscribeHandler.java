package io.mqttbridge.broker.handler.subscribe;

import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.broker.connection.ClientConnection;
import io.mqttbridge.broker.handler.Mqtt5Properties;
import io.mqttbridge.broker.limits.Limits;
import io.mqttbridge.broker.session.RetainedGates;
import io.mqttbridge.broker.session.Session;
import io.mqttbridge.broker.session.Subscription;
import io.mqttbridge.broker.session.Subscriptions;
import io.mqttbridge.broker.spi.DeliveryFilter;
import io.mqttbridge.broker.spi.DisconnectInfo;
import io.mqttbridge.broker.spi.MqttReasonCode;
import io.mqttbridge.broker.spi.RetainedStore;
import io.mqttbridge.broker.spi.SessionListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageIdAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubAckPayload;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * SUBSCRIBE: validates and authorizes each filter, grants min(requested, maximum) QoS, answers
 * with SUBACK, then sends matching retained messages per the retain handling option, before any
 * live message on their topics ({@link RetainedGates}).
 */
@ChannelHandler.Sharable
public final class SubscribeHandler extends ChannelInboundHandlerAdapter {

    private final BrokerConfig config;
    private final RetainedStore retainedStore;
    private final SessionListener listener;
    private final Limits limits;
    private final RetainedGates gates;

    /** @param gates where live messages wait for a new subscription's retained ones (the session manager's) */
    public SubscribeHandler(BrokerConfig config, RetainedStore retainedStore, SessionListener listener, Limits limits,
                            RetainedGates gates) {
        this.config = config;
        this.retainedStore = retainedStore;
        this.listener = listener;
        this.limits = limits;
        this.gates = gates;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof MqttSubscribeMessage subscribe)) {
            ctx.fireChannelRead(msg);
            return;
        }
        ClientConnection connection = ClientConnection.of(ctx.channel());
        boolean mqtt5 = connection.isMqtt5();
        List<MqttTopicSubscription> requested = subscribe.payload().topicSubscriptions();
        if (requested.isEmpty()) {
            connection.disconnect(MqttReasonCode.PROTOCOL_ERROR, DisconnectInfo.PROTOCOL_ERROR);
            return;
        }
        MqttProperties properties = subscribe.idAndPropertiesVariableHeader().properties();
        Integer subscriptionId = mqtt5 ? Mqtt5Properties.integer(properties, MqttProperties.SUBSCRIPTION_IDENTIFIER) : null;
        if (subscriptionId != null && subscriptionId == 0) {
            connection.disconnect(MqttReasonCode.PROTOCOL_ERROR, DisconnectInfo.PROTOCOL_ERROR);
            return;
        }
        Session session = Session.of(connection.channel());
        int packetId = subscribe.variableHeader().messageId();
        List<Subscription> granted = new ArrayList<>();
        List<Integer> grantedCodeIndexes = new ArrayList<>();
        int[] codes = new int[requested.size()];
        for (int i = 0; i < requested.size(); i++) {
            MqttTopicSubscription topicSubscription = requested.get(i);
            String topicFilter = topicSubscription.topicFilter();
            Subscriptions.ParsedFilter parsed;
            try {
                parsed = Subscriptions.parse(topicFilter);
            } catch (IllegalArgumentException e) {
                if (!mqtt5) {
                    // 3.1.1 has no reason code for a malformed filter: it is a protocol violation.
                    connection.disconnect(MqttReasonCode.MALFORMED_PACKET, DisconnectInfo.PROTOCOL_ERROR);
                    return;
                }
                codes[i] = MqttReasonCode.TOPIC_FILTER_INVALID;
                continue;
            }
            if (!limits.topicSizeAllowed(parsed.filter())) {
                limits.metrics().topicSizeRefused();
                codes[i] = mqtt5 ? MqttReasonCode.QUOTA_EXCEEDED : MqttReasonCode.SUBSCRIPTION_FAILURE;
                continue;
            }
            MqttSubscriptionOption option = topicSubscription.option();
            if (parsed.shareGroup() != null) {
                if (!config.isSharedSubscriptionsAvailable()) {
                    codes[i] = mqtt5
                            ? MqttReasonCode.SHARED_SUBSCRIPTIONS_NOT_SUPPORTED : MqttReasonCode.SUBSCRIPTION_FAILURE;
                    continue;
                }
                if (mqtt5 && option.isNoLocal()) {
                    connection.disconnect(MqttReasonCode.PROTOCOL_ERROR, DisconnectInfo.PROTOCOL_ERROR);
                    return;
                }
            }
            DeliveryFilter deliveryFilter = connection.permissions().subscriptionFilter(parsed.filter());
            if (deliveryFilter == null) {
                codes[i] = mqtt5 ? MqttReasonCode.NOT_AUTHORIZED : MqttReasonCode.SUBSCRIPTION_FAILURE;
                continue;
            }
            int qos = Math.min(option.qos().value(), config.getMaxQos());
            codes[i] = qos;
            grantedCodeIndexes.add(i);
            granted.add(new Subscription(session, topicFilter, parsed.filter(), parsed.shareGroup(), qos,
                    mqtt5 && option.isNoLocal(), mqtt5 && option.isRetainAsPublished(),
                    mqtt5 ? option.retainHandling().value() : 0, subscriptionId == null ? 0 : subscriptionId,
                    deliveryFilter));
        }
        connection.inSessionOrder(session::execute, () -> {
            if (limits.maxSubscriptionsPerClient() > 0) {
                refuseOverQuota(session, granted, grantedCodeIndexes, codes, mqtt5);
            }
            List<RetainedGates.Opening> retainedFirst = new ArrayList<>(granted.size());
            List<CompletableFuture<Void>> durable = new ArrayList<>(granted.size() + 1);
            for (Subscription subscription : granted) {
                boolean existed = session.subscribes(subscription.topicFilter());
                durable.add(session.subscribe(subscription));
                // Opened with the subscription: a live message routed through it from now on waits for
                // the retained ones, which are read after the SUBACK.
                retainedFirst.add(sendsRetained(subscription, existed)
                        ? gates.open(session, subscription.filter()) : null);
            }
            if (!granted.isEmpty()) {
                durable.add(session.saveIfPersistent(connection.sessionExpirySeconds()));
                listener.onSubscribed(connection.info(), granted.stream().map(Subscription::topicFilter).toList(),
                        granted.stream().map(Subscription::qos).toList());
            }
            MqttSubAckMessage subAck = new MqttSubAckMessage(
                    new MqttFixedHeader(MqttMessageType.SUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                    new MqttMessageIdAndPropertiesVariableHeader(packetId, MqttProperties.NO_PROPERTIES),
                    new MqttSubAckPayload(codes));
            // The SUBACK promises that the subscriptions outlive a crash of this node: the session
            // store has them (persistent sessions) and the other nodes can find them (a cluster).
            SubscriptionAcks.send(connection, session, durable, () -> {
                ctx.channel().write(subAck, ctx.channel().voidPromise());
                sendRetained(session, granted, retainedFirst);
            });
        });
    }

    /** Whether {@code subscription} is sent retained messages, as its retain handling asks. */
    private boolean sendsRetained(Subscription subscription, boolean existed) {
        return config.isRetainAvailable() && subscription.shareGroup() == null
                && (subscription.retainHandling() == 0 || (subscription.retainHandling() == 1 && !existed));
    }

    /** The retained messages for {@code granted} (after its SUBACK), where an opening says they are sent. */
    private void sendRetained(Session session, List<Subscription> granted, List<RetainedGates.Opening> openings) {
        for (int i = 0; i < granted.size(); i++) {
            if (openings.get(i) != null) {
                RetainedStream.start(retainedStore, session, granted.get(i), gates, openings.get(i));
            }
        }
    }

    /**
     * Takes out of {@code granted} the new filters that would bring the session above the maximum
     * number of subscriptions, answering them 0x97 Quota exceeded (3.1.1: 0x80). Runs on the
     * session's executor, so that SUBSCRIBE packets are counted in order.
     */
    private void refuseOverQuota(Session session, List<Subscription> granted, List<Integer> codeIndexes, int[] codes,
                                 boolean mqtt5) {
        Set<String> existing = new HashSet<>();
        session.subscriptions().forEach(subscription -> existing.add(subscription.topicFilter()));
        int count = existing.size();
        for (int g = granted.size() - 1; g >= 0; g--) {
            if (existing.contains(granted.get(g).topicFilter())) {
                continue;
            }
            count++;
        }
        int excess = count - limits.maxSubscriptionsPerClient();
        // Refuse the last new filters of the packet, keep the first ones.
        for (int g = granted.size() - 1; g >= 0 && excess > 0; g--) {
            if (!existing.contains(granted.get(g).topicFilter())) {
                codes[codeIndexes.get(g)] = mqtt5 ? MqttReasonCode.QUOTA_EXCEEDED : MqttReasonCode.SUBSCRIPTION_FAILURE;
                granted.remove(g);
                codeIndexes.remove(g);
                limits.metrics().subscriptionRefused();
                excess--;
            }
        }
    }
}
