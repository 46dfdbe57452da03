package io.mqttbridge.broker.connection;

import io.mqttbridge.broker.connection.WillMessage;
import io.mqttbridge.broker.metrics.BrokerMetrics.DropReason;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.metrics.UnmarkedTraffic;
import io.mqttbridge.broker.netty.OutboundPublish;
import io.mqttbridge.broker.netty.RoutedMessage;
import io.mqttbridge.broker.spi.ConnectionInfo;
import io.mqttbridge.broker.spi.DisconnectInfo;
import io.mqttbridge.broker.spi.MqttReasonCode;
import io.mqttbridge.broker.spi.MqttVersion;
import io.mqttbridge.broker.spi.TopicPermissions;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.util.AttributeKey;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;

/**
 * Everything the broker knows about one network connection, attached to its channel
 * ({@link #of(io.netty.channel.Channel)}). Confined to the channel's event loop unless a method
 * says otherwise.
 */
public final class ClientConnection {


    private static final AttributeKey<ClientConnection> KEY = AttributeKey.valueOf("mqttbridge.connection");
    private static final int[] NO_SUBSCRIPTION_IDS = new int[0];

    /** Lifecycle of a connection. */
    public enum State { AWAIT_CONNECT, AUTHENTICATING, CONNECTED, CLOSED }

    /** Outcome of an attempt to send a PUBLISH. */
    public enum SendResult { SENT, TOO_LARGE, EXPIRED, CLOSED }

    private final Channel channel;
    private final BrokerMetrics metrics;
    private String listenerName;
    private State state = State.AWAIT_CONNECT;
    private MqttVersion version = MqttVersion.MQTT_3_1_1;
    private volatile ConnectionInfo info;
    private TopicPermissions permissions;
    private WillMessage will;
    private long sessionExpirySeconds;
    private int sendQuota = 65_535;
    private int clientMaximumPacketSize = Integer.MAX_VALUE;
    private boolean problemInformationRequested = true;
    // Per-concern parts created only when a connection needs them: an idle 3.1.1 connection has none.
    private TopicAliases topicAliases;
    private HeldMessages held;
    private KeepAliveWatch keepAlive;
    /* Packets the decoder passed on (WireFormatCheck compares them), steps waiting in the session's tasks. */
    private long packetsReceived;
    private int sessionStepsWaiting;
    private final InboundQosFlows inbound = new InboundQosFlows(this);
    private ReadSuspension reading;
    private final UnmarkedTraffic traffic = new UnmarkedTraffic();
    private final Runnable flushTask = this::flushNow;
    private boolean flushScheduled;
    private ScheduledFuture<?> connectTimeout;
    private String disconnectReason;
    private Integer disconnectReasonCode;
    private boolean sendWill = true;
    private boolean announced;
    /* The session attached to this connection, a session.Session: typed Object because the session
       package depends on this one and not the reverse. A field rather than a channel attribute, which
       would cost every connection 32 bytes more. Safe from any thread. */
    private volatile Object attachedSession;
    // The last SUBACK or UNSUBACK still waiting to be sent (null: none); touched only in the session's tasks.
    private CompletableFuture<Void> pendingSubscriptionAck;

    private ClientConnection(Channel channel, BrokerMetrics metrics) {
        this.channel = channel;
        this.metrics = metrics;
    }

    public static ClientConnection create(Channel channel, BrokerMetrics metrics) {
        ClientConnection connection = new ClientConnection(channel, metrics);
        channel.attr(KEY).set(connection);
        return connection;
    }

    public static ClientConnection of(Channel channel) {
        return channel.attr(KEY).get();
    }

    public Channel channel() { return channel; }
    /** The name of the listener this connection came in on. */
    public String listenerName() { return listenerName; }
    public void setListenerName(String listenerName) { this.listenerName = listenerName; }
    public State state() { return state; }
    public void setState(State state) { this.state = state; }
    public MqttVersion version() { return version; }
    public void setVersion(MqttVersion version) { this.version = version; }
    public boolean isMqtt5() { return version == MqttVersion.MQTT_5; }
    /** Safe from any thread. */
    public ConnectionInfo info() { return info; }
    public void setInfo(ConnectionInfo info) { this.info = info; }
    public TopicPermissions permissions() { return permissions; }
    public void setPermissions(TopicPermissions permissions) { this.permissions = permissions; }
    public WillMessage will() { return will; }
    public void setWill(WillMessage will) { this.will = will; }
    public long sessionExpirySeconds() { return sessionExpirySeconds; }
    public void setSessionExpirySeconds(long seconds) { this.sessionExpirySeconds = seconds; }
    public int sendQuota() { return sendQuota; }
    public void setSendQuota(int sendQuota) { this.sendQuota = sendQuota; }
    public int clientMaximumPacketSize() { return clientMaximumPacketSize; }
    public void setClientMaximumPacketSize(int size) { this.clientMaximumPacketSize = size; }
    public boolean problemInformationRequested() { return problemInformationRequested; }
    public void setProblemInformationRequested(boolean requested) { this.problemInformationRequested = requested; }
    public InboundQosFlows inbound() { return inbound; }
    public UnmarkedTraffic traffic() { return traffic; }
    public void setConnectTimeout(ScheduledFuture<?> timeout) { this.connectTimeout = timeout; }
    public String disconnectReason() { return disconnectReason; }
    public Integer disconnectReasonCode() { return disconnectReasonCode; }
    public boolean sendWill() { return sendWill; }
    /** Whether the session listener was told about this connection (so it must hear of its end). */
    public boolean announced() { return announced; }
    public void setAnnounced() { this.announced = true; }
    /** The session attached to this connection (a {@code session.Session}), or null before CONNACK. */
    public Object attachedSession() { return attachedSession; }
    public void setAttachedSession(Object session) { this.attachedSession = session; }
    /** The last SUBACK or UNSUBACK not sent yet, or null; read and set only in the session's tasks. */
    public CompletableFuture<Void> pendingSubscriptionAck() { return pendingSubscriptionAck; }
    public void setPendingSubscriptionAck(CompletableFuture<Void> ack) { this.pendingSubscriptionAck = ack; }
    BrokerMetrics metrics() { return metrics; }
    /** The one switch of this connection's {@code autoRead}, made by the first pause (most never pause). */
    public ReadSuspension reading() {
        if (reading == null) {
            reading = new ReadSuspension(this);
        }
        return reading;
    }
    /** Whether reading is paused for any reason. */
    public boolean readingPaused() { return reading != null && reading.isPaused(); }
    /** Lifts {@code reason} ({@link ReadSuspension#resume}); nothing to lift when reading was never paused. */
    public void resumeReading(ReadSuspension.Reason reason) {
        if (reading != null) {
            reading.resume(reason);
        }
    }

    public void cancelConnectTimeout() {
        if (connectTimeout != null) {
            connectTimeout.cancel(false);
            connectTimeout = null;
        }
    }

    /** Closes the connection once no packet came for {@code timeoutMillis} ({@link KeepAliveWatch}); event loop. */
    public void startKeepAlive(long timeoutMillis) {
        if (keepAlive == null) {
            keepAlive = new KeepAliveWatch(this);
        }
        keepAlive.start(timeoutMillis);
    }

    /** Records that a packet arrived, for the keep-alive check and {@link #packetsReceived}. Event loop only. */
    public void packetReceived() {
        packetsReceived++;
        if (keepAlive != null) {
            keepAlive.packetReceived();
        }
    }

    /**
     * Runs a packet's {@code step} (a subscription change, a PUBLISH's routing) in the session's tasks, counted
     * while it waits in their queue (the session busy, e.g. attaching this connection as packets sent behind
     * the CONNECT are handled): a PUBLISH read after it is routed after it, or a message sent right after a
     * SUBSCRIBE misses it and one after an UNSUBSCRIBE goes through [MQTT-3.3.5-1, MQTT-3.10.4-2].
     */
    public void inSessionOrder(Executor session, Runnable step) {
        sessionStepsWaiting++;
        session.execute(() -> {
            sessionStepsWaiting--;
            step.run();
        });
    }

    /** Whether a step given to {@link #inSessionOrder} still waits (event loop only). */
    public boolean sessionStepsWaiting() { return sessionStepsWaiting > 0; }

    /** The packets the decoder has passed on so far, well-formed or not. Event loop only. */
    public long packetsReceived() { return packetsReceived; }

    public void cancelKeepAlive() {
        if (keepAlive != null) {
            keepAlive.cancel();
        }
    }

    /**
     * Sets up MQTT 5 topic aliases: {@code maximum} is the Topic Alias Maximum the broker announces
     * for the client's PUBLISHes, {@code clientMaximum} the client's for the broker's.
     */
    public void setTopicAliases(int maximum, int clientMaximum) {
        topicAliases = new TopicAliases(maximum, clientMaximum);
    }

    /** The Topic Alias Maximum announced to the client; 0 when it may use none (always for 3.1.1). */
    public int topicAliasMaximum() {
        return topicAliases == null ? 0 : topicAliases.inboundMaximum();
    }

    /** @param alias between 1 and {@link #topicAliasMaximum()} */
    public String inboundTopicAlias(int alias) {
        return topicAliases.inbound(alias);
    }

    /** @param alias between 1 and {@link #topicAliasMaximum()} */
    public void setInboundTopicAlias(int alias, String topic) {
        topicAliases.setInbound(alias, topic);
    }

    /** Holds a message that arrived while CONNECT was being authenticated. @return false when too many */
    public boolean holdUntilConnected(MqttMessage message) {
        return holdUntilConnected(message, 0);
    }

    /**
     * Holds a message that arrived while CONNECT was being authenticated.
     *
     * @param maxBytes the most bytes (estimated from payload and topic) held in all, 0 = no bound
     * @return false when too many messages or bytes would be held (the caller closes the connection)
     */
    public boolean holdUntilConnected(MqttMessage message, long maxBytes) {
        if (held == null) {
            held = new HeldMessages();
        }
        return held.hold(message, maxBytes);
    }

    public List<MqttMessage> takeHeldMessages() {
        if (held == null) {
            return List.of();
        }
        List<MqttMessage> messages = held.messages();
        held = null;
        return messages;
    }

    /**
     * Flushes what was written to this connection once the event loop has finished its current batch
     * of work (the rest of the read, the queued tasks), so that the packets written for many messages
     * or acknowledgements leave in one system call instead of one each. Safe from any thread; off the
     * event loop it flushes at once.
     */
    public void flushSoon() {
        if (flushScheduled) {
            return;
        }
        EventLoop loop = channel.eventLoop();
        if (!loop.inEventLoop()) {
            channel.flush();
            return;
        }
        flushScheduled = true;
        loop.execute(flushTask);
    }

    private void flushNow() {
        flushScheduled = false;
        channel.flush();
    }

    /** The client ended the connection with DISCONNECT; whether the will is still published depends on the reason. */
    public void clientDisconnected(int reasonCode) {
        this.sendWill = reasonCode == MqttReasonCode.DISCONNECT_WITH_WILL;
        recordReason(DisconnectInfo.CLIENT_DISCONNECT, reasonCode);
    }

    /** Records why the connection is ending, first reason wins. */
    public void recordReason(String reason, Integer reasonCode) {
        if (disconnectReason == null) {
            disconnectReason = reason;
            disconnectReasonCode = reasonCode;
        }
    }

    /**
     * Closes the connection from the server side; MQTT 5 clients past CONNACK first get a
     * DISCONNECT with {@code reasonCode}. Safe from any thread.
     */
    public void disconnect(int reasonCode, String reason) {
        if (!channel.eventLoop().inEventLoop()) {
            channel.eventLoop().execute(() -> disconnect(reasonCode, reason));
            return;
        }
        if (state == State.CLOSED || !channel.isActive()) {
            return;
        }
        recordReason(reason, isMqtt5() ? reasonCode : null);
        boolean connected = state == State.CONNECTED;
        state = State.CLOSED;
        reading().pause(ReadSuspension.Reason.CLOSING);
        if (connected && isMqtt5()) {
            MqttMessage disconnect = new MqttMessage(
                    new MqttFixedHeader(MqttMessageType.DISCONNECT, false, MqttQoS.AT_MOST_ONCE, false, 0),
                    new MqttReasonCodeAndPropertiesVariableHeader((byte) reasonCode, MqttProperties.NO_PROPERTIES));
            channel.writeAndFlush(disconnect).addListener(ChannelFutureListener.CLOSE);
        } else {
            // What was written before (acknowledgements waiting for the next flush) leaves first, as far as
            // the socket takes it now: a close alone would drop it, and the client would send those messages again.
            channel.flush();
            channel.close();
        }
    }

    /**
     * Writes (without flushing) one PUBLISH to this client, applying message expiry, the client's
     * maximum packet size and outbound topic aliases. Runs on the channel's event loop.
     */
    public SendResult writePublish(RoutedMessage message, int qos, boolean retain, int[] subscriptionIds,
                                   int packetId, boolean dup) {
        if (state != State.CONNECTED || !channel.isActive()) {
            return SendResult.CLOSED;
        }
        long now = System.nanoTime();
        // A resend (DUP) completes a started delivery [MQTT-4.4.0-1]: only unstarted ones expire [MQTT-3.3.2-5].
        if (!dup && message.isExpired(now)) {
            metrics.dropped(DropReason.EXPIRED);
            return SendResult.EXPIRED;
        }
        boolean mqtt5 = isMqtt5();
        int alias = 0;
        boolean sendTopic = true;
        boolean newAlias = false;
        if (mqtt5 && topicAliases != null && topicAliases.usesOutbound()) {
            Integer existing = topicAliases.outbound(message.message().topic());
            if (existing != null) {
                alias = existing;
                // At QoS 2 the name goes along with the alias: MQTT.js hands a QoS 2 message to its
                // application from the packet it stored, unresolved, so it got an empty topic.
                sendTopic = qos == 2;
            } else {
                alias = topicAliases.nextOutbound();
                newAlias = alias != 0;
            }
        }
        OutboundPublish publish = new OutboundPublish(message, mqtt5, qos, dup, retain, packetId, alias, sendTopic,
                mqtt5 ? message.remainingExpirySeconds(now) : -1,
                mqtt5 ? subscriptionIds : NO_SUBSCRIPTION_IDS);
        if (publish.packetSize() > clientMaximumPacketSize) {
            metrics.dropped(DropReason.PACKET_TOO_LARGE);
            return SendResult.TOO_LARGE;
        }
        if (newAlias) {
            topicAliases.outboundSent(message.message().topic(), alias);
        }
        channel.write(publish, channel.voidPromise());
        traffic.messageOut(qos);
        return SendResult.SENT;
    }

    /** Writes PUBACK, PUBREC, PUBREL or PUBCOMP with a reason code (ignored for 3.1.1), unflushed. */
    public void writeReply(MqttMessageType type, MqttQoS qos, int packetId, int reasonCode) {
        writeReply(type, qos, packetId, reasonCode, null);
    }

    /**
     * As {@link #writeReply(MqttMessageType, MqttQoS, int, int)}, with an MQTT 5 reason string that is
     * left out when the client asked for no problem information.
     */
    public void writeReply(MqttMessageType type, MqttQoS qos, int packetId, int reasonCode, String reasonString) {
        if (!channel.isActive()) {
            return;
        }
        if ((reasonString == null || !isMqtt5() || !problemInformationRequested) && (reasonCode == 0 || !isMqtt5())) {
            // The common reply (every PUBACK of a mirrored QoS 1 message) written as its four bytes: fixed
            // header, remaining length 2, packet id; exactly what the codec writes for it (3.1.1, and 5.0 with
            // reason code 0x00 and no properties, which MQTT 5 lets the sender leave out), without a message,
            // two headers and the codec's work per reply.
            channel.write(channel.alloc().ioBuffer(4)
                    .writeByte((type.value() << 4) | (qos.value() << 1))
                    .writeByte(2)
                    .writeShort(packetId), channel.voidPromise());
            return;
        }
        MqttProperties properties = MqttProperties.NO_PROPERTIES;
        if (reasonString != null && isMqtt5() && problemInformationRequested) {
            properties = new MqttProperties();
            properties.add(new MqttProperties.StringProperty(MqttProperties.REASON_STRING, reasonString));
        }
        MqttMessage reply = new MqttMessage(new MqttFixedHeader(type, false, qos, false, 0),
                new MqttPubReplyMessageVariableHeader(packetId, (byte) (isMqtt5() ? reasonCode : 0), properties));
        channel.write(reply, channel.voidPromise());
    }
}
