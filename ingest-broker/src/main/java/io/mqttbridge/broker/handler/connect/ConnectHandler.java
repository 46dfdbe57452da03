package io.mqttbridge.broker.handler.connect;

import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.broker.connection.ClientConnection.State;
import io.mqttbridge.broker.connection.ClientConnection;
import io.mqttbridge.broker.connection.WillMessage;
import io.mqttbridge.broker.handler.auth.EnhancedAuthFlow;
import io.mqttbridge.broker.handler.Mqtt5Properties;
import io.mqttbridge.broker.limits.Limits;
import io.mqttbridge.broker.listener.TlsPeer;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.netty.HandlerNames;
import io.mqttbridge.broker.session.SessionManager;
import io.mqttbridge.broker.spi.AuthenticationRequest;
import io.mqttbridge.broker.spi.AuthenticationResult;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.ConnectionInfo;
import io.mqttbridge.broker.spi.DeviceIdentity;
import io.mqttbridge.broker.spi.DisconnectInfo;
import io.mqttbridge.broker.spi.MqttReasonCode;
import io.mqttbridge.broker.spi.MqttVersion;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.SessionListener;
import io.mqttbridge.broker.spi.TopicFilters;
import io.mqttbridge.broker.spi.TopicPermissions;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnAckVariableHeader;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectPayload;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Handles CONNECT: validates it, authenticates and authorizes asynchronously, opens or resumes the
 * session (taking over an existing connection), sends CONNACK and starts the keep-alive watch.
 */
@ChannelHandler.Sharable
public final class ConnectHandler extends ChannelInboundHandlerAdapter {

    private final BrokerConfig config;
    private final Authenticator authenticator;
    private final Authorizer authorizer;
    private final SessionManager sessions;
    private final SessionListener listener;
    private final BrokerMetrics metrics;
    private final Limits limits;
    private final EnhancedAuthFlow enhancedAuth;

    public ConnectHandler(BrokerConfig config, Authenticator authenticator, Authorizer authorizer,
                          SessionManager sessions, SessionListener listener, BrokerMetrics metrics, Limits limits) {
        this(config, authenticator, authorizer, sessions, listener, metrics, limits, EnhancedAuthFlow.NONE);
    }

    /** @param enhancedAuth authenticates a CONNECT that names an Authentication Method (MQTT 5) */
    public ConnectHandler(BrokerConfig config, Authenticator authenticator, Authorizer authorizer,
                          SessionManager sessions, SessionListener listener, BrokerMetrics metrics, Limits limits,
                          EnhancedAuthFlow enhancedAuth) {
        this.enhancedAuth = enhancedAuth;
        this.limits = limits;
        this.config = config;
        this.authenticator = authenticator;
        this.authorizer = authorizer;
        this.sessions = sessions;
        this.listener = listener;
        this.metrics = metrics;
    }

    /** What the CONNECT asked for, after validation. */
    private record ConnectRequest(String clientId, boolean assignedId, boolean cleanStart, int keepAlive,
                                  boolean keepAliveCapped, long sessionExpiry, boolean expiryCapped,
                                  String username, byte[] password, boolean responseInformationRequested) {
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof MqttConnectMessage connect)) {
            ctx.fireChannelRead(msg);
            return;
        }
        ClientConnection connection = ClientConnection.of(ctx.channel());
        MqttConnectVariableHeader header = connect.variableHeader();
        MqttConnectPayload payload = connect.payload();
        MqttVersion version = MqttVersion.ofProtocolLevel(header.version());
        connection.setVersion(version);
        boolean mqtt5 = version.isMqtt5();

        if (!header.isWillFlag() && (header.willQos() != 0 || header.isWillRetain())
                || header.willQos() > 2
                || (!mqtt5 && header.hasPassword() && !header.hasUserName())) {
            refuse(ctx, connection, MqttConnectReturnCode.CONNECTION_REFUSED_MALFORMED_PACKET, null);
            return;
        }
        MqttProperties properties = header.properties();
        String authMethod = mqtt5 ? Mqtt5Properties.string(properties, MqttProperties.AUTHENTICATION_METHOD) : null;
        if (authMethod != null && !enhancedAuth.supports(authMethod)) {
            refuse(ctx, connection, MqttConnectReturnCode.CONNECTION_REFUSED_BAD_AUTHENTICATION_METHOD, null);
            return;
        }
        String clientId = payload.clientIdentifier();
        boolean assigned = false;
        if (clientId == null || clientId.isEmpty()) {
            if (!mqtt5 && !header.isCleanSession()) {
                refuse(ctx, connection, null, MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED);
                return;
            }
            clientId = "auto-" + UUID.randomUUID();
            assigned = true;
        } else if (clientId.length() > config.getMaxClientIdLength()) {
            refuse(ctx, connection, MqttConnectReturnCode.CONNECTION_REFUSED_CLIENT_IDENTIFIER_NOT_VALID,
                    MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED);
            return;
        }

        int keepAlive = header.keepAliveTimeSeconds();
        boolean keepAliveCapped = false;
        if (mqtt5 && config.getMaxKeepAliveSeconds() > 0
                && (keepAlive == 0 || keepAlive > config.getMaxKeepAliveSeconds())) {
            keepAlive = config.getMaxKeepAliveSeconds();
            keepAliveCapped = true;
        }
        long expiry;
        boolean expiryCapped = false;
        boolean responseInformationRequested = false;
        if (mqtt5) {
            Integer requested = Mqtt5Properties.integer(properties, MqttProperties.SESSION_EXPIRY_INTERVAL);
            expiry = requested == null ? 0 : Integer.toUnsignedLong(requested);
            if (expiry > config.getMaxSessionExpirySeconds()) {
                expiry = config.getMaxSessionExpirySeconds();
                expiryCapped = true;
                limits.metrics().sessionExpiryCapped();
            }
            Integer receiveMaximum = Mqtt5Properties.integer(properties, MqttProperties.RECEIVE_MAXIMUM);
            Integer maximumPacketSize = Mqtt5Properties.integer(properties, MqttProperties.MAXIMUM_PACKET_SIZE);
            Integer requestProblem = Mqtt5Properties.integer(properties, MqttProperties.REQUEST_PROBLEM_INFORMATION);
            Integer requestResponse = Mqtt5Properties.integer(properties, MqttProperties.REQUEST_RESPONSE_INFORMATION);
            responseInformationRequested = requestResponse != null && requestResponse == 1;
            if ((receiveMaximum != null && receiveMaximum == 0) || (maximumPacketSize != null && maximumPacketSize == 0)
                    || (requestProblem != null && requestProblem > 1) || (requestResponse != null && requestResponse > 1)) {
                refuse(ctx, connection, MqttConnectReturnCode.CONNECTION_REFUSED_PROTOCOL_ERROR, null);
                return;
            }
            connection.setSendQuota(Math.min(receiveMaximum == null ? 65_535 : receiveMaximum,
                    config.getMaxInflightOutbound()));
            if (maximumPacketSize != null) {
                connection.setClientMaximumPacketSize(maximumPacketSize);
            }
            Integer aliasMaximum = Mqtt5Properties.integer(properties, MqttProperties.TOPIC_ALIAS_MAXIMUM);
            connection.setClientTopicAliasMaximum(aliasMaximum == null ? 0 : aliasMaximum);
            connection.setProblemInformationRequested(requestProblem == null || requestProblem == 1);
            connection.setTopicAliasMaximum(config.getTopicAliasMaximum());
        } else {
            expiry = header.isCleanSession() ? 0 : ConnectionInfo.SESSION_NEVER_EXPIRES;
            if (expiry > config.getMaxSessionExpirySeconds()) {
                // 3.1.1 cannot be told, but its persistent session is as bounded as a 5.0 one.
                expiry = config.getMaxSessionExpirySeconds();
                limits.metrics().sessionExpiryCapped();
            }
            connection.setSendQuota(config.getMaxInflightOutbound());
        }

        String username = header.hasUserName() ? payload.userName() : null;
        byte[] password = header.hasPassword() ? payload.passwordInBytes() : null;
        ConnectRequest request = new ConnectRequest(clientId, assigned, header.isCleanSession(), keepAlive,
                keepAliveCapped, expiry, expiryCapped, username, password, responseInformationRequested);

        WillMessage will = null;
        if (header.isWillFlag()) {
            String problem = TopicFilters.validateTopicName(payload.willTopic());
            if (problem != null) {
                refuse(ctx, connection, MqttConnectReturnCode.CONNECTION_REFUSED_TOPIC_NAME_INVALID, null);
                return;
            }
            if (mqtt5 && header.isWillRetain() && !config.isRetainAvailable()) {
                refuse(ctx, connection, MqttConnectReturnCode.CONNECTION_REFUSED_RETAIN_NOT_SUPPORTED, null);
                return;
            }
            if (mqtt5 && header.willQos() > config.getMaxQos()) {
                refuse(ctx, connection, MqttConnectReturnCode.CONNECTION_REFUSED_QOS_NOT_SUPPORTED, null);
                return;
            }
            MqttProperties willProperties = payload.willProperties();
            Integer delay = mqtt5 ? Mqtt5Properties.integer(willProperties, MqttProperties.WILL_DELAY_INTERVAL) : null;
            byte[] willPayload = payload.willMessageInBytes() == null ? new byte[0] : payload.willMessageInBytes();
            will = new WillMessage(new PublishedMessage(payload.willTopic(), willPayload,
                    Math.min(header.willQos(), config.getMaxQos()), header.isWillRetain(), clientId, username, version,
                    Instant.now(), mqtt5 ? Mqtt5Properties.messageProperties(willProperties) : null),
                    delay == null ? 0 : Integer.toUnsignedLong(delay));
        }
        WillMessage finalWill = will;

        connection.setState(State.AUTHENTICATING);
        InetSocketAddress remote = (InetSocketAddress) ctx.channel().remoteAddress();
        CompletableFuture<Object> decision;
        try {
            AuthenticationRequest authRequest = new AuthenticationRequest(clientId, username, password, remote,
                    TlsPeer.verifiedCertificate(ctx.channel()), version, connection.listenerName());
            CompletableFuture<AuthenticationResult> authenticated = authMethod == null
                    ? authenticator.authenticate(authRequest)
                    : enhancedAuth.begin(ctx.channel(), authMethod,
                            Mqtt5Properties.binary(properties, MqttProperties.AUTHENTICATION_DATA), authRequest);
            decision = authenticated.thenCompose(result -> {
                        if (result instanceof AuthenticationResult.Success success && success.permissions() != null) {
                            return CompletableFuture.completedFuture(new Authorized(success.identity(),
                                    success.permissions(), success.expiresAt()));
                        }
                        if (result instanceof AuthenticationResult.Success success) {
                            return authorizer.permissionsFor(success.identity())
                                    .thenApply(permissions -> new Authorized(success.identity(), permissions,
                                            success.expiresAt()));
                        }
                        return CompletableFuture.completedFuture(result);
                    });
        } catch (RuntimeException e) {
            decision = CompletableFuture.failedFuture(e);
        }
        decision.whenComplete((outcome, error) -> ctx.executor().execute(() ->
                afterAuthentication(ctx, connection, request, finalWill, outcome, error)));
    }

    private record Authorized(DeviceIdentity identity, TopicPermissions permissions, Instant expiresAt) {
    }

    private void afterAuthentication(ChannelHandlerContext ctx, ClientConnection connection, ConnectRequest request,
                                     WillMessage will, Object outcome, Throwable error) {
        if (!ctx.channel().isActive() || connection.state() != State.AUTHENTICATING) {
            return;
        }
        if (error != null || outcome == null) {
            refuse(ctx, connection, MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE_5,
                    MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE);
            return;
        }
        if (outcome instanceof AuthenticationResult.Refused refused) {
            switch (refused.refusal()) {
                case BAD_USERNAME_OR_PASSWORD -> refuse(ctx, connection,
                        MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USERNAME_OR_PASSWORD,
                        MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD);
                case NOT_AUTHORIZED -> refuse(ctx, connection, MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED_5,
                        MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED);
                case BANNED -> refuse(ctx, connection, MqttConnectReturnCode.CONNECTION_REFUSED_BANNED,
                        MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED);
                case SERVER_UNAVAILABLE -> refuse(ctx, connection,
                        MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE_5,
                        MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE);
                case CLIENT_ID_NOT_ALLOWED -> refuseClientId(ctx, connection);
            }
            return;
        }
        Authorized authorized = (Authorized) outcome;
        if (will != null && !authorized.permissions().mayPublish(will.message().topic())) {
            refuse(ctx, connection, MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED_5,
                    MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED);
            return;
        }
        String owner = authorized.identity().deviceId();
        if (owner != null && limits.maxSessionsPerIdentity() > 0
                && sessions.wouldAddSessionFor(owner, request.clientId())
                && sessions.countOwnedBy(owner) >= limits.maxSessionsPerIdentity()) {
            limits.metrics().sessionsPerIdentityRefused();
            refuse(ctx, connection, MqttConnectReturnCode.CONNECTION_REFUSED_QUOTA_EXCEEDED,
                    MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE);
            return;
        }
        CompletableFuture<Void> prepared = sessions.prepareOpen(request.clientId(), request.cleanStart(),
                ctx.channel().eventLoop(), owner);
        if (prepared.isDone() && !prepared.isCompletedExceptionally()) {
            openSession(ctx, connection, request, will, authorized);
            return;
        }
        // In a cluster: the node that held the client hands it over first (never wait on the event loop).
        prepared.whenComplete((ignored, claimError) -> ctx.executor().execute(() -> {
            if (!ctx.channel().isActive() || connection.state() != State.AUTHENTICATING) {
                return;
            }
            if (claimError instanceof SessionManager.SessionOwnedByAnotherIdentity
                    || claimError != null && claimError.getCause() instanceof SessionManager.SessionOwnedByAnotherIdentity) {
                refuseClientId(ctx, connection);
                return;
            }
            if (claimError != null) {
                refuse(ctx, connection, MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE_5,
                        MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE);
                return;
            }
            openSession(ctx, connection, request, will, authorized);
        }));
    }

    private void openSession(ChannelHandlerContext ctx, ClientConnection connection, ConnectRequest request,
                             WillMessage will, Authorized authorized) {
        SessionManager.Opened opened = sessions.open(request.clientId(), request.cleanStart(), ctx.channel().eventLoop(),
                authorized.identity().deviceId());
        if (opened == null) {
            // The session under this client id belongs to another identity: no takeover, no resume.
            refuseClientId(ctx, connection);
            return;
        }
        connection.setPermissions(authorized.permissions());
        connection.setWill(will);
        connection.setSessionExpirySeconds(request.sessionExpiry());
        ConnectionInfo info = new ConnectionInfo(UUID.randomUUID(), request.clientId(), authorized.identity(),
                (InetSocketAddress) ctx.channel().remoteAddress(), connection.version(), request.cleanStart(),
                request.keepAlive(), request.sessionExpiry(), Instant.now());
        connection.setInfo(info);
        opened.session().attach(connection, request.sessionExpiry(), stillPresent -> {
            if (!ctx.channel().isActive()) {
                return;
            }
            connection.cancelConnectTimeout();
            ctx.writeAndFlush(connAck(connection, request, opened.sessionPresent() && stillPresent));
            connection.setState(State.CONNECTED);
            sessions.confirmHolder(request.clientId());
            if (request.keepAlive() > 0) {
                connection.startKeepAlive(request.keepAlive() * 1500L);
            }
            if (authorized.expiresAt() != null) {
                disconnectAtExpiry(ctx, connection, authorized.expiresAt());
            }
            metrics.connectAccepted();
            connection.setAnnounced();
            listener.onConnected(info);
            // Only CONNECT comes here, and the guard refuses any later one: free this slot for the
            // rest of the connection (every pipeline context costs each connection 64 bytes).
            ctx.pipeline().remove(this);
            for (MqttMessage held : connection.takeHeldMessages()) {
                ctx.pipeline().context(HandlerNames.CONNECTION_GUARD).fireChannelRead(held);
            }
        });
    }

    /**
     * Refuses a client id the identity may not use (0x85 / 3.1.1 code 2): before any session is
     * opened or taken over, and before the session listener hears of the connection.
     */
    private void refuseClientId(ChannelHandlerContext ctx, ClientConnection connection) {
        metrics.connectRefusedForClientId();
        refuse(ctx, connection, MqttConnectReturnCode.CONNECTION_REFUSED_CLIENT_IDENTIFIER_NOT_VALID,
                MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED);
    }

    /** Ends the connection when its credentials expire (MQTT 5: DISCONNECT 0xA0; 3.1.1: close). */
    private static void disconnectAtExpiry(ChannelHandlerContext ctx, ClientConnection connection, Instant expiresAt) {
        long delayMillis = Math.max(0, expiresAt.toEpochMilli() - System.currentTimeMillis());
        var expiry = ctx.executor().schedule(() -> connection.disconnect(MqttReasonCode.MAXIMUM_CONNECT_TIME,
                DisconnectInfo.MAXIMUM_CONNECT_TIME), delayMillis, TimeUnit.MILLISECONDS);
        ctx.channel().closeFuture().addListener(closed -> expiry.cancel(false));
    }

    private MqttConnAckMessage connAck(ClientConnection connection, ConnectRequest request, boolean sessionPresent) {
        MqttProperties properties = MqttProperties.NO_PROPERTIES;
        if (connection.isMqtt5()) {
            properties = new MqttProperties();
            if (request.assignedId()) {
                properties.add(new MqttProperties.StringProperty(MqttProperties.ASSIGNED_CLIENT_IDENTIFIER, request.clientId()));
            }
            if (request.keepAliveCapped()) {
                properties.add(new MqttProperties.IntegerProperty(MqttProperties.SERVER_KEEP_ALIVE, request.keepAlive()));
            }
            if (request.expiryCapped()) {
                properties.add(new MqttProperties.IntegerProperty(MqttProperties.SESSION_EXPIRY_INTERVAL,
                        (int) request.sessionExpiry()));
            }
            properties.add(new MqttProperties.IntegerProperty(MqttProperties.RECEIVE_MAXIMUM, config.getReceiveMaximum()));
            if (config.getMaxQos() < 2) {
                properties.add(new MqttProperties.IntegerProperty(MqttProperties.MAXIMUM_QOS, config.getMaxQos()));
            }
            if (!config.isRetainAvailable()) {
                properties.add(new MqttProperties.IntegerProperty(MqttProperties.RETAIN_AVAILABLE, 0));
            }
            properties.add(new MqttProperties.IntegerProperty(MqttProperties.MAXIMUM_PACKET_SIZE, config.getMaxPacketSize()));
            properties.add(new MqttProperties.IntegerProperty(MqttProperties.TOPIC_ALIAS_MAXIMUM, config.getTopicAliasMaximum()));
            if (!config.isSharedSubscriptionsAvailable()) {
                properties.add(new MqttProperties.IntegerProperty(MqttProperties.SHARED_SUBSCRIPTION_AVAILABLE, 0));
            }
            if (request.responseInformationRequested() && !config.getResponseInformation().isEmpty()) {
                properties.add(new MqttProperties.StringProperty(MqttProperties.RESPONSE_INFORMATION,
                        config.getResponseInformation().replace("%c", request.clientId())));
            }
            enhancedAuth.addConnAckProperties(connection.channel(), properties);
        }
        return new MqttConnAckMessage(
                new MqttFixedHeader(MqttMessageType.CONNACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttConnAckVariableHeader(MqttConnectReturnCode.CONNECTION_ACCEPTED, sessionPresent, properties));
    }

    /**
     * Sends a refusing CONNACK (the MQTT 5 code, or the 3.1.1 one) and closes. When the version has
     * no fitting code ({@code null}) the connection is closed without CONNACK.
     */
    private void refuse(ChannelHandlerContext ctx, ClientConnection connection,
                        MqttConnectReturnCode mqtt5Code, MqttConnectReturnCode mqtt3Code) {
        metrics.connectRefused();
        connection.setState(State.CLOSED);
        connection.recordReason(DisconnectInfo.PROTOCOL_ERROR, null);
        MqttConnectReturnCode code = connection.isMqtt5() ? mqtt5Code : mqtt3Code;
        if (code == null) {
            ctx.close();
            return;
        }
        MqttConnAckMessage connAck = new MqttConnAckMessage(
                new MqttFixedHeader(MqttMessageType.CONNACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttConnAckVariableHeader(code, false, MqttProperties.NO_PROPERTIES));
        ctx.writeAndFlush(connAck).addListener(ChannelFutureListener.CLOSE);
    }
}
