package io.mqttbridge.broker.handler.auth;

import io.mqttbridge.broker.spi.LogSafe;
import io.mqttbridge.broker.connection.ClientConnection;
import io.mqttbridge.broker.connection.ClientConnection.State;
import io.mqttbridge.broker.handler.Mqtt5Properties;
import io.mqttbridge.broker.spi.AuthenticationRequest;
import io.mqttbridge.broker.spi.AuthenticationResult;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.DeviceIdentity;
import io.mqttbridge.broker.spi.DisconnectInfo;
import io.mqttbridge.broker.spi.EnhancedAuthenticator;
import io.mqttbridge.broker.spi.MqttReasonCode;
import io.netty.channel.Channel;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.util.AttributeKey;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries MQTT 5 enhanced authentication over the wire for an {@link EnhancedAuthenticator}:
 * <ul>
 *   <li>At CONNECT ({@link #begin}): the CONNECT's Authentication Data starts the exchange; each
 *   challenge goes out as AUTH 0x18 and the client's AUTH 0x18 answers it; the outcome completes the
 *   returned future, and a success's last server data goes into CONNACK ({@link #addConnAckProperties}).</li>
 *   <li>On a live connection that authenticated this way: AUTH 0x19 with the same method starts a
 *   re-authentication; success is answered with AUTH 0x00, failure (or another identity) with
 *   DISCONNECT 0x87. Another method is DISCONNECT 0x8C; AUTH from a client that did not use
 *   enhanced authentication, or out of turn, is a protocol error (0x82).</li>
 * </ul>
 *
 * <p>Threading: every method runs on the connection's event loop; the exchange's futures hop back to it.
 * Shared by all connections; the per-connection state is an {@link AuthConversation} on the channel.
 */
public final class EnhancedAuthFlow {

    private static final Logger LOG = LoggerFactory.getLogger(EnhancedAuthFlow.class);
    private static final AttributeKey<AuthConversation> CONVERSATION = AttributeKey.valueOf("mqttEnhancedAuth");
    private static final byte[] NO_DATA = new byte[0];

    /** No enhanced authentication: every method is unknown (CONNACK 0x8C). */
    public static final EnhancedAuthFlow NONE = new EnhancedAuthFlow(EnhancedAuthenticator.NONE);

    /** The exchange a CONNECT is about to start, for {@link #entry} on the same thread. */
    private static final ThreadLocal<Supplier<CompletableFuture<AuthenticationResult>>> STARTING = new ThreadLocal<>();

    private final EnhancedAuthenticator authenticator;
    /**
     * Where a CONNECT's exchange enters: through the failed-login backoff, which counts the
     * exchange's outcome like a password check's (its own counters) and refuses (0x8A) before the
     * exchange starts while an address or user name is backing off.
     */
    private final Authenticator entry;

    public EnhancedAuthFlow(EnhancedAuthenticator authenticator) {
        this(authenticator, UnaryOperator.identity());
    }

    /** @param backoff wraps an authenticator in the failed-login backoff ({@code Limits::guard}) */
    public EnhancedAuthFlow(EnhancedAuthenticator authenticator, UnaryOperator<Authenticator> backoff) {
        this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
        Authenticator starter = request -> {
            Supplier<CompletableFuture<AuthenticationResult>> start = STARTING.get();
            STARTING.remove();
            return start == null
                    ? CompletableFuture.completedFuture(AuthenticationResult.refused(AuthenticationResult.Refusal.SERVER_UNAVAILABLE))
                    : start.get();
        };
        this.entry = backoff.apply(starter);
    }

    public boolean supports(String method) {
        return authenticator.supports(method);
    }

    /**
     * Runs the CONNECT's exchange for a {@link #supports supported} method.
     *
     * @return the outcome; completes on the event loop; never exceptionally
     */
    public CompletableFuture<AuthenticationResult> begin(Channel channel, String method, byte[] data,
                                                         AuthenticationRequest request) {
        STARTING.set(() -> start(channel, method, data, request));
        try {
            return entry.authenticate(request);
        } finally {
            STARTING.remove();
        }
    }

    private CompletableFuture<AuthenticationResult> start(Channel channel, String method, byte[] data,
                                                          AuthenticationRequest request) {
        AuthConversation conversation = new AuthConversation(method, new AuthenticationRequest(request.clientId(),
                request.username(), null, request.remoteAddress(), request.clientCertificate(), request.protocolVersion(),
                request.listenerName()));
        conversation.connectResult = new CompletableFuture<>();
        channel.attr(CONVERSATION).set(conversation);
        try {
            conversation.exchange = authenticator.start(method, request);
        } catch (RuntimeException e) {
            conversation.connectResult.complete(AuthenticationResult.refused(AuthenticationResult.Refusal.SERVER_UNAVAILABLE));
            return conversation.connectResult;
        }
        step(channel, conversation, data == null ? NO_DATA : data);
        return conversation.connectResult;
    }

    /**
     * Adds Authentication Method and the success's server data to a CONNACK of a connection that used
     * {@link #begin}; the data stays until {@link #connAckSent} (the CONNACK's size is checked first).
     */
    public void addConnAckProperties(Channel channel, MqttProperties properties) {
        AuthConversation conversation = conversation(channel);
        if (conversation == null) {
            return;
        }
        properties.add(new MqttProperties.StringProperty(MqttProperties.AUTHENTICATION_METHOD, conversation.method));
        if (conversation.connAckData != null) {
            properties.add(new MqttProperties.BinaryProperty(MqttProperties.AUTHENTICATION_DATA, conversation.connAckData));
        }
    }

    /** The CONNACK carrying the success's server data was built: the data is not needed any more. */
    public void connAckSent(Channel channel) {
        AuthConversation conversation = conversation(channel);
        if (conversation != null) {
            conversation.connAckData = null;
        }
    }

    /** Handles an AUTH packet from the client, in any state. Releases nothing (AUTH holds no buffers). */
    public void onAuth(Channel channel, ClientConnection connection, MqttMessage auth) {
        AuthConversation conversation = conversation(channel);
        int reasonCode = MqttReasonCode.SUCCESS;
        MqttProperties properties = MqttProperties.NO_PROPERTIES;
        if (auth.variableHeader() instanceof MqttReasonCodeAndPropertiesVariableHeader header) {
            reasonCode = header.reasonCode() & 0xFF;
            properties = header.properties();
        }
        String method = Mqtt5Properties.string(properties, MqttProperties.AUTHENTICATION_METHOD);
        byte[] data = Mqtt5Properties.binary(properties, MqttProperties.AUTHENTICATION_DATA);
        data = data == null ? NO_DATA : data;
        if (!connection.isMqtt5() || conversation == null || conversation.awaitingServer) {
            protocolError(channel, connection);
            return;
        }
        if (!conversation.method.equals(method)) {
            connection.recordReason(DisconnectInfo.PROTOCOL_ERROR, null);
            connection.disconnect(MqttReasonCode.BAD_AUTHENTICATION_METHOD, DisconnectInfo.PROTOCOL_ERROR);
            return;
        }
        if (connection.state() == State.AUTHENTICATING) {
            if (conversation.connectResult == null || reasonCode != MqttReasonCode.CONTINUE_AUTHENTICATION) {
                protocolError(channel, connection);
                return;
            }
            step(channel, conversation, data);
        } else if (connection.state() == State.CONNECTED) {
            if (reasonCode == MqttReasonCode.REAUTHENTICATE && !conversation.reauthenticating) {
                conversation.reauthenticating = true;
                try {
                    conversation.exchange = authenticator.start(conversation.method, conversation.request);
                } catch (RuntimeException e) {
                    reauthenticationFailed(connection, "the method failed to start: " + e);
                    return;
                }
                step(channel, conversation, data);
            } else if (reasonCode == MqttReasonCode.CONTINUE_AUTHENTICATION && conversation.reauthenticating) {
                step(channel, conversation, data);
            } else {
                protocolError(channel, connection);
            }
        }
    }

    /** {@code hasAttr} first: {@code attr} would add an entry to every connection's attribute map. */
    private static AuthConversation conversation(Channel channel) {
        return channel.hasAttr(CONVERSATION) ? channel.attr(CONVERSATION).get() : null;
    }

    private void step(Channel channel, AuthConversation conversation, byte[] data) {
        conversation.awaitingServer = true;
        CompletableFuture<EnhancedAuthenticator.Step> next;
        try {
            next = conversation.exchange.receive(data);
        } catch (RuntimeException e) {
            next = CompletableFuture.failedFuture(e);
        }
        next.whenComplete((step, error) -> channel.eventLoop().execute(() -> onStep(channel, conversation, step, error)));
    }

    private void onStep(Channel channel, AuthConversation conversation, EnhancedAuthenticator.Step step, Throwable error) {
        conversation.awaitingServer = false;
        ClientConnection connection = ClientConnection.of(channel);
        if (!channel.isActive()) {
            finish(connection, conversation, AuthenticationResult.refused(AuthenticationResult.Refusal.SERVER_UNAVAILABLE));
            return;
        }
        if (error != null || step == null) {
            LOG.warn("{} authentication of client {} failed: {}",
                    conversation.method, LogSafe.text(conversation.request.clientId()),
                    String.valueOf(error));
            finish(connection, conversation, AuthenticationResult.refused(AuthenticationResult.Refusal.SERVER_UNAVAILABLE));
            return;
        }
        if (step instanceof EnhancedAuthenticator.Challenge challenge) {
            writeAuth(channel, MqttReasonCode.CONTINUE_AUTHENTICATION, conversation.method, challenge.serverData());
            return;
        }
        EnhancedAuthenticator.Outcome outcome = (EnhancedAuthenticator.Outcome) step;
        conversation.exchange = null; // over: its state (nonces, verifier) need not live as long as the connection
        if (outcome.result() instanceof AuthenticationResult.Success && conversation.connectResult != null) {
            conversation.connAckData = outcome.serverData();
        }
        if (conversation.reauthenticating && outcome.result() instanceof AuthenticationResult.Success success
                && sameIdentity(connection, success.identity())) {
            conversation.reauthenticating = false;
            writeAuth(channel, MqttReasonCode.SUCCESS, conversation.method, outcome.serverData());
            return;
        }
        finish(connection, conversation, outcome.result());
    }

    private void finish(ClientConnection connection, AuthConversation conversation, AuthenticationResult result) {
        if (conversation.connectResult != null) {
            CompletableFuture<AuthenticationResult> pending = conversation.connectResult;
            conversation.connectResult = null;
            pending.complete(result);
        } else if (conversation.reauthenticating) {
            conversation.reauthenticating = false;
            reauthenticationFailed(connection, result instanceof AuthenticationResult.Refused refused
                    ? refused.refusal().toString() : "another identity");
        }
    }

    private static boolean sameIdentity(ClientConnection connection, DeviceIdentity identity) {
        DeviceIdentity current = connection.info() == null ? null : connection.info().identity();
        return current != null && Objects.equals(current.deviceId(), identity.deviceId())
                && Objects.equals(current.username(), identity.username());
    }

    private static void reauthenticationFailed(ClientConnection connection, String why) {
        LOG.info("Re-authentication of client {} failed ({}): disconnecting", connection.info() == null ? "?"
                : connection.info().clientId(), why);
        connection.disconnect(MqttReasonCode.NOT_AUTHORIZED, DisconnectInfo.REAUTHENTICATION_FAILED);
    }

    private static void protocolError(Channel channel, ClientConnection connection) {
        if (connection.state() == State.CONNECTED) {
            connection.disconnect(MqttReasonCode.PROTOCOL_ERROR, DisconnectInfo.PROTOCOL_ERROR);
        } else {
            connection.recordReason(DisconnectInfo.PROTOCOL_ERROR, null);
            connection.setState(State.CLOSED);
            channel.close();
        }
    }

    private static void writeAuth(Channel channel, int reasonCode, String method, byte[] data) {
        MqttProperties properties = new MqttProperties();
        properties.add(new MqttProperties.StringProperty(MqttProperties.AUTHENTICATION_METHOD, method));
        if (data != null) {
            properties.add(new MqttProperties.BinaryProperty(MqttProperties.AUTHENTICATION_DATA, data));
        }
        channel.writeAndFlush(new MqttMessage(
                new MqttFixedHeader(MqttMessageType.AUTH, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttReasonCodeAndPropertiesVariableHeader((byte) reasonCode, properties)));
    }
}
