package io.mqttbridge.broker.handler.connect;

import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.broker.connection.ClientConnection;
import io.mqttbridge.broker.connection.ClientConnection.State;
import io.mqttbridge.broker.handler.auth.EnhancedAuthFlow;
import io.mqttbridge.broker.netty.HandlerNames;
import io.mqttbridge.broker.handler.connect.ConnectAuthentication.Authorized;
import io.mqttbridge.broker.limits.Limits;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.netty.TcpKeepAlive;
import io.mqttbridge.broker.session.SessionManager;
import io.mqttbridge.broker.spi.AuthenticationResult;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.ConnectionInfo;
import io.mqttbridge.broker.spi.DisconnectInfo;
import io.mqttbridge.broker.spi.MqttReasonCode;
import io.mqttbridge.broker.spi.SessionListener;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttMessage;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Handles CONNECT: validates it ({@link ConnectRequestReader}), authenticates and authorizes it
 * asynchronously ({@link ConnectAuthentication}), opens or resumes the session (taking over an
 * existing connection), sends CONNACK ({@link ConnAcks}) and starts the keep-alive watch. Everything
 * here runs on the channel's event loop and never waits: the SPI's futures are continued there.
 * After CONNACK the session listener is told, and the handler leaves the pipeline.
 */
@ChannelHandler.Sharable
public final class ConnectHandler extends ChannelInboundHandlerAdapter {

    private final ConnectRequestReader reader;
    private final ConnectAuthentication authentication;
    private final ConnAcks connAcks;
    private final SessionManager sessions;
    private final SessionListener listener;
    private final BrokerMetrics metrics;
    private final Limits limits;
    private final int tcpKeepAliveSeconds;

    public ConnectHandler(BrokerConfig config, Authenticator authenticator, Authorizer authorizer,
                          SessionManager sessions, SessionListener listener, BrokerMetrics metrics, Limits limits) {
        this(config, authenticator, authorizer, sessions, listener, metrics, limits, EnhancedAuthFlow.NONE);
    }

    /** @param enhancedAuth authenticates a CONNECT that names an Authentication Method (MQTT 5) */
    public ConnectHandler(BrokerConfig config, Authenticator authenticator, Authorizer authorizer,
                          SessionManager sessions, SessionListener listener, BrokerMetrics metrics, Limits limits,
                          EnhancedAuthFlow enhancedAuth) {
        this.reader = new ConnectRequestReader(config, limits, enhancedAuth::supports);
        this.authentication = new ConnectAuthentication(authenticator, authorizer, enhancedAuth);
        this.connAcks = new ConnAcks(config, enhancedAuth);
        this.limits = limits;
        this.sessions = sessions;
        this.listener = listener;
        this.metrics = metrics;
        this.tcpKeepAliveSeconds = config.getTcpKeepAliveSeconds();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof MqttConnectMessage connect)) {
            ctx.fireChannelRead(msg);
            return;
        }
        ClientConnection connection = ClientConnection.of(ctx.channel());
        ConnectRequestReader.Result read = reader.read(connect, connection);
        if (read instanceof ConnectRefusal refusal) {
            refuse(ctx, connection, refusal);
            return;
        }
        ConnectRequest request = (ConnectRequest) read;
        connection.setState(State.AUTHENTICATING);
        // Before anything is read about the identity: a change of it applied from now on is rechecked.
        long changesMark = sessions.identityChanges().mark();
        authentication.authenticate(connection, request).whenComplete((outcome, error) -> ctx.executor().execute(() ->
                afterAuthentication(ctx, connection, request, changesMark, outcome, error)));
    }

    private void afterAuthentication(ChannelHandlerContext ctx, ClientConnection connection, ConnectRequest request,
                                     long changesMark, Object outcome, Throwable error) {
        if (!ctx.channel().isActive() || connection.state() != State.AUTHENTICATING) {
            return;
        }
        if (error != null || outcome == null) {
            refuse(ctx, connection, ConnectRefusal.SERVER_UNAVAILABLE);
            return;
        }
        if (outcome instanceof AuthenticationResult.Refused refused) {
            switch (refused.refusal()) {
                case BAD_USERNAME_OR_PASSWORD -> refuse(ctx, connection, ConnectRefusal.BAD_USERNAME_OR_PASSWORD);
                case NOT_AUTHORIZED -> refuse(ctx, connection, ConnectRefusal.NOT_AUTHORIZED);
                case BANNED -> refuse(ctx, connection, ConnectRefusal.BANNED);
                case SERVER_UNAVAILABLE -> refuse(ctx, connection, ConnectRefusal.SERVER_UNAVAILABLE);
                case CLIENT_ID_NOT_ALLOWED -> refuseClientId(ctx, connection);
            }
            return;
        }
        Authorized authorized = (Authorized) outcome;
        if (request.will() != null && !authorized.permissions().mayPublish(request.will().message().topic())) {
            refuse(ctx, connection, ConnectRefusal.NOT_AUTHORIZED);
            return;
        }
        String owner = authorized.identity().deviceId();
        if (owner != null && limits.maxSessionsPerIdentity() > 0
                && sessions.wouldAddSessionFor(owner, request.clientId())
                && sessions.countOwnedBy(owner) >= limits.maxSessionsPerIdentity()) {
            limits.metrics().sessionsPerIdentityRefused();
            refuse(ctx, connection, ConnectRefusal.QUOTA_EXCEEDED);
            return;
        }
        CompletableFuture<Void> prepared = sessions.prepareOpen(request.clientId(), request.cleanStart(),
                ctx.channel().eventLoop(), owner);
        if (prepared.isDone() && !prepared.isCompletedExceptionally()) {
            openSession(ctx, connection, request, authorized, changesMark);
            sessions.connectSettled(request.clientId());
            return;
        }
        // In a cluster: the node that held the client hands it over first (never wait on the event loop).
        prepared.whenComplete((ignored, claimError) -> ctx.executor().execute(() -> {
            try {
                openOrRefuse(ctx, connection, request, authorized, changesMark, claimError);
            } finally {
                // Only now, with the session opened and its attach queued (or the CONNECT refused), may
                // another node's claim take the session away: a hand-over before the open would leave
                // this CONNECT a new, empty session, which it would then save over the stored one.
                sessions.connectSettled(request.clientId());
            }
        }));
    }

    private void openOrRefuse(ChannelHandlerContext ctx, ClientConnection connection, ConnectRequest request,
                              Authorized authorized, long changesMark, Throwable claimError) {
        if (!ctx.channel().isActive() || connection.state() != State.AUTHENTICATING) {
            return;
        }
        if (claimError instanceof SessionManager.SessionOwnedByAnotherIdentity || claimError != null
                && claimError.getCause() instanceof SessionManager.SessionOwnedByAnotherIdentity) {
            refuseClientId(ctx, connection);
            return;
        }
        if (claimError != null) {
            refuse(ctx, connection, ConnectRefusal.SERVER_UNAVAILABLE);
            return;
        }
        openSession(ctx, connection, request, authorized, changesMark);
    }

    private void openSession(ChannelHandlerContext ctx, ClientConnection connection, ConnectRequest request,
                             Authorized authorized, long changesMark) {
        if (!connAcks.fitsTheClient(connection, request)) {
            // Its Maximum Packet Size leaves no room for the CONNACK [MQTT-3.1.2-24]: closed without one.
            metrics.connectRefused();
            connection.setState(State.CLOSED);
            ctx.close();
            return;
        }
        SessionManager.Opened opened = sessions.open(request.clientId(), request.cleanStart(), ctx.channel().eventLoop(),
                authorized.identity().deviceId());
        if (opened == null) {
            // The session under this client id belongs to another identity: no takeover, no resume.
            refuseClientId(ctx, connection);
            return;
        }
        connection.setPermissions(authorized.permissions());
        connection.setWill(request.will());
        connection.setSessionExpirySeconds(request.sessionExpiry());
        ConnectionInfo info = new ConnectionInfo(ConnectionIds.next(), request.clientId(), authorized.identity(),
                (InetSocketAddress) ctx.channel().remoteAddress(), connection.version(), request.cleanStart(),
                request.keepAlive(), request.sessionExpiry(), Instant.now());
        connection.setInfo(info);
        opened.session().attach(connection, request.sessionExpiry(), stillPresent -> {
            if (!ctx.channel().isActive()) {
                return;
            }
            connected(ctx, connection, request, authorized, info, opened.sessionPresent() && stillPresent);
            sessions.identityChanges().afterConnect(info, changesMark);
        });
    }

    /** The session is attached: CONNACK, then what only matters once the client may act. */
    private void connected(ChannelHandlerContext ctx, ClientConnection connection, ConnectRequest request,
                           Authorized authorized, ConnectionInfo info, boolean sessionPresent) {
        connection.cancelConnectTimeout();
        ctx.writeAndFlush(connAcks.accepted(connection, request, sessionPresent), ctx.voidPromise());
        connection.setState(State.CONNECTED);
        sessions.confirmHolder(request.clientId());
        if (request.keepAlive() > 0) {
            connection.startKeepAlive(request.keepAlive() * 1500L);
        } else if (tcpKeepAliveSeconds > 0) {
            // Without an MQTT keep alive only TCP can tell that the client vanished without closing.
            TcpKeepAlive.probe(ctx.channel(), tcpKeepAliveSeconds);
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
    }

    /**
     * Refuses a client id the identity may not use (0x85 / 3.1.1 code 2): before any session is
     * opened or taken over, and before the session listener hears of the connection.
     */
    private void refuseClientId(ChannelHandlerContext ctx, ClientConnection connection) {
        metrics.connectRefusedForClientId();
        refuse(ctx, connection, ConnectRefusal.CLIENT_ID_NOT_VALID);
    }

    /** Ends the connection when its credentials expire (MQTT 5: DISCONNECT 0xA0; 3.1.1: close). */
    private static void disconnectAtExpiry(ChannelHandlerContext ctx, ClientConnection connection, Instant expiresAt) {
        long delayMillis = Math.max(0, expiresAt.toEpochMilli() - System.currentTimeMillis());
        var expiry = ctx.executor().schedule(() -> connection.disconnect(MqttReasonCode.MAXIMUM_CONNECT_TIME,
                DisconnectInfo.MAXIMUM_CONNECT_TIME), delayMillis, TimeUnit.MILLISECONDS);
        ctx.channel().closeFuture().addListener(closed -> expiry.cancel(false));
    }

    /**
     * Sends a refusing CONNACK (the MQTT 5 code, or the 3.1.1 one) and closes. When the version has
     * no fitting code the connection is closed without CONNACK.
     */
    private void refuse(ChannelHandlerContext ctx, ClientConnection connection, ConnectRefusal refusal) {
        metrics.connectRefused();
        connection.setState(State.CLOSED);
        connection.recordReason(DisconnectInfo.PROTOCOL_ERROR, null);
        MqttConnectReturnCode code = connection.isMqtt5() ? refusal.mqtt5Code() : refusal.mqtt3Code();
        if (code == null) {
            ctx.close();
            return;
        }
        ctx.writeAndFlush(ConnAcks.refused(code)).addListener(ChannelFutureListener.CLOSE);
    }
}
