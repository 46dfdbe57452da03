package io.mqttbridge.broker;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.broker.handler.connect.ConnectHandler;
import io.mqttbridge.broker.handler.disconnect.DisconnectHandler;
import io.mqttbridge.broker.handler.publish.BackPressure;
import io.mqttbridge.broker.handler.publish.PublishHandler;
import io.mqttbridge.broker.handler.subscribe.SubscribeHandler;
import io.mqttbridge.broker.handler.subscribe.UnsubscribeHandler;
import io.mqttbridge.broker.internal.BrokerListeners;
import io.mqttbridge.broker.internal.InjectedMessages;
import io.mqttbridge.broker.internal.SafeSessionListener;
import io.mqttbridge.broker.internal.SessionAdministration;
import io.mqttbridge.broker.internal.StoredSessionRestore;
import io.mqttbridge.broker.limits.Limits;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.netty.MqttServerBootstrap;
import io.mqttbridge.broker.pipeline.MqttChannelInitializer;
import io.mqttbridge.broker.retained.InMemoryRetainedStore;
import io.mqttbridge.broker.retained.RetainedQuota;
import io.mqttbridge.broker.routing.MessageRouter;
import io.mqttbridge.broker.routing.PendingDeliveries;
import io.mqttbridge.broker.session.DeliveryState;
import io.mqttbridge.broker.session.InMemorySessionStore;
import io.mqttbridge.broker.session.Session;
import io.mqttbridge.broker.session.IdentityChanges;
import io.mqttbridge.broker.session.SessionManager;
import io.mqttbridge.broker.session.Subscription;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.EnhancedAuthenticator;
import io.mqttbridge.broker.handler.auth.EnhancedAuthFlow;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.cluster.BrokerClusterMember;
import io.mqttbridge.broker.spi.ClusterFabric;
import io.mqttbridge.broker.spi.ConnectionInfo;
import io.mqttbridge.broker.spi.MessagePublisher;
import io.mqttbridge.broker.spi.PublishSink;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.RetainedStore;
import io.mqttbridge.broker.spi.SessionListener;
import io.mqttbridge.broker.spi.SessionStore;
import io.mqttbridge.broker.spi.TopicFilters;
import io.mqttbridge.broker.sys.BrokerStatistics;
import io.mqttbridge.broker.sys.SysRetainedStore;
import io.mqttbridge.broker.sys.SysTopicPublisher;
import io.mqttbridge.broker.topic.TopicTree;
import io.mqttbridge.broker.will.WillPublisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The MQTT 3.1.1 / 5.0 broker: its listeners (TCP, TLS, WebSocket, secure WebSocket), sessions, routing, retained messages and wills,
 * connected to the outside through its SPI. Also the way in for messages from elsewhere
 * ({@link MessagePublisher}).
 *
 * <p>Lifecycle: construct, {@link #start()} once, {@link #stop()} once. The live-state methods are
 * thread-safe and cheap enough for a REST API.
 */
public final class MqttBroker implements MessagePublisher {

    private static final Logger LOG = LoggerFactory.getLogger(MqttBroker.class);

    private final BrokerConfig config;
    private final Authenticator authenticator;
    private final Authorizer authorizer;
    private final PublishSink sink;
    private final SessionListener listener;
    private final SessionStore sessionStore;
    private final RetainedStore retainedStore;
    private final RetainedQuota retainedQuota;
    private final BrokerMetrics metrics;
    private final Limits limits;
    private final TopicTree<Subscription> tree = new TopicTree<>();
    private final SessionManager sessions;
    private final MessageRouter router;
    private final ClusterFabric fabric;
    private final MetricRegistry metricRegistry;
    private SysTopicPublisher sysTopics;

    private final PendingDeliveries pendingPublishes = new PendingDeliveries();
    private volatile boolean running;
    private MqttServerBootstrap server;
    private final BrokerListeners listeners;
    private final SessionAdministration administration;
    private final BrokerClusterMember clusterMember;
    private volatile EnhancedAuthenticator enhancedAuthenticator = EnhancedAuthenticator.NONE;

    public MqttBroker(BrokerConfig config, Authenticator authenticator, Authorizer authorizer, PublishSink sink,
                      SessionListener listener, SessionStore sessionStore, RetainedStore retainedStore,
                      MetricRegistry metricRegistry) {
        this(config, authenticator, authorizer, sink, listener, sessionStore, retainedStore, metricRegistry,
                ClusterFabric.SINGLE_NODE);
    }

    /**
     * A broker that is one node of a cluster joined through {@code fabric}: messages reach
     * subscribers on every node and a client id is connected on one node at a time.
     */
    public MqttBroker(BrokerConfig config, Authenticator authenticator, Authorizer authorizer, PublishSink sink,
                      SessionListener listener, SessionStore sessionStore, RetainedStore retainedStore,
                      MetricRegistry metricRegistry, ClusterFabric fabric) {
        this.fabric = Objects.requireNonNull(fabric, "fabric");
        this.config = Objects.requireNonNull(config, "config").validate();
        this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
        this.authorizer = Objects.requireNonNull(authorizer, "authorizer");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.listener = new SafeSessionListener(Objects.requireNonNull(listener, "listener"));
        this.sessionStore = Objects.requireNonNull(sessionStore, "sessionStore");
        Objects.requireNonNull(retainedStore, "retainedStore");
        Objects.requireNonNull(metricRegistry, "metricRegistry");
        this.limits = new Limits(config.getLimits(), metricRegistry);
        this.retainedQuota = new RetainedQuota(retainedStore, limits.retainedLimits());
        this.retainedStore = new SysRetainedStore(retainedQuota);
        this.metrics = new BrokerMetrics(metricRegistry, retainedStore::size, this::sessionCount);
        this.sessions = new SessionManager(tree, sessionStore, metrics, config, fabric);
        metrics.watchQueuedMemory(sessions.queuedMemory()::bytes, sessions.queuedMemory()::maxBytes);
        this.router = new MessageRouter(tree, this.retainedStore, config, fabric, sessions.arrivals());
        sessions.onSharedOrphans(router::redistribute);
        this.listeners = new BrokerListeners(this.config, metrics, limits);
        this.administration = new SessionAdministration(sessions, this.listener);
        this.clusterMember = new BrokerClusterMember(sessions, router, () -> running, pendingPublishes,
                administration::disconnect, administration::endSession);
        this.metricRegistry = metricRegistry;
    }

    /** A broker that lets everyone in, stores nothing outside memory and has no sink: for tests and demos. */
    public MqttBroker(BrokerConfig config) {
        this(config, Authenticator.ALLOW_ALL, Authorizer.ALLOW_ALL, PublishSink.NONE, SessionListener.NONE,
                new InMemorySessionStore(), new InMemoryRetainedStore(), new MetricRegistry());
    }

    /**
     * Offers MQTT 5 enhanced authentication (AUTH packets) with the methods {@code enhanced} supports;
     * CONNECTs naming another method get CONNACK 0x8C. Call before {@link #start()}.
     *
     * @return this broker
     */
    public MqttBroker enhancedAuthentication(EnhancedAuthenticator enhanced) {
        if (server != null) {
            throw new IllegalStateException("enhanced authentication is set before the broker starts");
        }
        this.enhancedAuthenticator = Objects.requireNonNull(enhanced, "enhanced");
        return this;
    }

    /**
     * Restores persisted sessions, binds every listener and returns once they accept connections.
     *
     * @throws IllegalStateException when already started, or naming host and port when binding fails
     * @throws IllegalArgumentException naming the configuration key when a TLS file cannot be used
     */
    public synchronized void start() {
        if (server != null) {
            throw new IllegalStateException("MQTT broker already started");
        }
        server = new MqttServerBootstrap(config.getWorkerThreads());
        try {
            fabric.start(clusterMember);
        } catch (RuntimeException e) {
            server.shutdown();
            server = null;
            throw e;
        }
        try {
            StoredSessionRestore.restore(sessionStore, fabric, sessions, server.workerGroup()::next);
        } catch (Exception e) {
            fabric.stop();
            server.shutdown();
            server = null;
            throw new IllegalStateException("MQTT broker cannot load its sessions from the session store: " + e, e);
        }
        BackPressure backPressure = new BackPressure(sink);
        WillPublisher wills = new WillPublisher(router, sink);
        EnhancedAuthFlow enhancedAuth = new EnhancedAuthFlow(enhancedAuthenticator, limits::guard);
        MqttChannelInitializer.Handlers handlers = new MqttChannelInitializer.Handlers(
                new ConnectHandler(config, limits.guard(authenticator), authorizer, sessions, listener, metrics, limits,
                        enhancedAuth),
                new PublishHandler(config, sink, router, backPressure, metrics, limits, retainedQuota),
                new SubscribeHandler(config, retainedStore, listener, limits, sessions.retainedGates()),
                new UnsubscribeHandler(listener),
                new DisconnectHandler(wills, listener, backPressure, config, limits),
                enhancedAuth);
        running = true;
        limits.start();
        sessions.queuedMemory().startRefreshing(server.workerGroup().next());
        try {
            listeners.bindAll(server, handlers);
        } catch (RuntimeException e) {
            running = false;
            limits.stop();
            listeners.stopTlsReload();
            server.closeListener();
            fabric.stop();
            server.shutdown();
            server = null;
            listeners.forgetAll();
            throw e;
        }
        if (config.getSysIntervalSeconds() > 0) {
            sysTopics = new SysTopicPublisher(new BrokerStatistics(metricRegistry, Clock.systemUTC()),
                    message -> router.route(message, null));
            sysTopics.start(server.workerGroup().next(), config.getSysIntervalSeconds());
        }
    }

    /** Checks each secure listener's TLS files now, as the periodic check does. @return how many loaded a new one */
    public int reloadTlsIfChanged() {
        return listeners.reloadTlsIfChanged();
    }

    /** The bound port of the listener named {@code listenerName}. @throws IllegalArgumentException if there is none */
    public int port(String listenerName) {
        return listeners.port(listenerName);
    }

    /** Bound port by listener name; empty before {@link #start()}. */
    public Map<String, Integer> ports() {
        return listeners.ports();
    }

    /** The bound port of the first listener (useful with configured port 0); -1 before {@link #start()}. */
    public int port() {
        return listeners.firstPort();
    }

    public boolean isRunning() {
        return running;
    }

    /**
     * Stops accepting connections, sends MQTT 5 clients DISCONNECT 0x8B (server shutting down),
     * closes every connection (once the PUBCOMPs it owes are written), saves persistent sessions, leaves the cluster
     * ({@link BrokerClusterMember#leave}) and releases all threads.
     */
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        clusterMember.beginLeave();
        running = false;
        if (sysTopics != null) {
            sysTopics.stop();
            sysTopics = null;
        }
        server.closeListener();
        limits.stop();
        sessions.queuedMemory().stopRefreshing();
        listeners.stopTlsReload();
        try {
            listeners.disconnectAll().get(5, TimeUnit.SECONDS);
            sessions.saveAll().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("MQTT broker did not stop cleanly: {}", e.toString());
        }
        clusterMember.leave(fabric);
        server.shutdown();
        server = null;
        listeners.forgetChannels();
        pendingPublishes.failAll();
        LOG.info("MQTT broker stopped");
    }

    /**
     * {@inheritDoc}
     *
     * <p>The message is not given to the {@link PublishSink} (it typically comes from there). In a
     * cluster it is forwarded to the other nodes whose sessions need it, and the future completes
     * once they have it too.
     */
    @Override
    public CompletableFuture<Integer> publish(PublishedMessage message) {
        if (!running) {
            return CompletableFuture.failedFuture(new IllegalStateException("MQTT broker is not running"));
        }
        IllegalArgumentException refusal = InjectedMessages.refusal(message, config);
        if (refusal != null) {
            return CompletableFuture.failedFuture(refusal);
        }
        CompletableFuture<Integer> handed = pendingPublishes.track(onHandled -> router.routeAndForward(message, onHandled));
        if (!running) {
            handed.completeExceptionally(new IllegalStateException("MQTT broker stopped"));
        }
        return handed;
    }

    /**
     * Removes the retained message of {@code topic} as an empty retained PUBLISH would, but delivers
     * nothing to subscribers (an operator's clean-up); through the broker's store, so its quotas follow.
     */
    public CompletableFuture<Void> clearRetained(String topic) {
        String problem = TopicFilters.validateTopicName(topic);
        return problem != null
                ? CompletableFuture.failedFuture(new IllegalArgumentException("invalid topic name '" + topic + "': " + problem))
                : retainedStore.put(new PublishedMessage(topic, new byte[0], 0, true, null, null, null, Instant.now(), null));
    }

    /** The connections currently attached to a session, sorted by client id. */
    public List<ConnectionInfo> connectedClients() {
        return administration.connectedClients();
    }

    /** The connection of {@code clientId}, if that client is connected now. */
    public Optional<ConnectionInfo> connection(String clientId) {
        return administration.connection(clientId);
    }

    /** What waits for {@code clientId} in its session (connected or not); empty if there is no session. */
    public Optional<DeliveryState> deliveryState(String clientId) {
        return administration.deliveryState(clientId);
    }

    /** The subscriptions of the session of {@code clientId} (connected or not); empty if there is none. */
    public List<SubscriptionInfo> subscriptionsOf(String clientId) {
        Session session = sessions.get(clientId);
        return session == null ? List.of() : SubscriptionInfo.of(session);
    }

    /**
     * Disconnects {@code clientId} (MQTT 5: DISCONNECT 0x98 administrative action). The session
     * itself follows its expiry as after any disconnect.
     *
     * @return whether the client was connected
     */
    public boolean disconnect(String clientId) {
        return administration.disconnect(clientId);
    }

    /**
     * Applies changed permissions of {@code deviceId} to this node at once: every session the
     * device owns, connected or offline, is authorized again through {@code authorizer}; a
     * connection gets the new permissions for its next PUBLISH and SUBSCRIBE, and subscriptions
     * no longer allowed are removed (the session listener hears of it as an unsubscribe; MQTT has
     * no packet that tells a client), the others get the delivery filter the new rules give them.
     *
     * <p>Threading: any thread; the work runs on the sessions' executors.
     *
     * @return completes with the number of subscriptions removed
     */
    public CompletableFuture<Integer> reauthorize(String deviceId, Authorizer authorizer) {
        return administration.reauthorize(deviceId, authorizer);
    }

    /**
     * Ends every session {@code deviceId} owns on this node (its stored subscriptions and queued messages
     * go with it) and disconnects its connections (MQTT 5: 0x98), for a device disabled or deleted.
     * @return how many sessions and connections were ended
     */
    public int endSessionsOf(String deviceId) {
        return administration.endSessionsOf(deviceId);
    }

    /** Changes of identities a CONNECT in progress may miss; credentials changes are told here. */
    public IdentityChanges identityChanges() {
        return sessions.identityChanges();
    }

    /** Ends the session of {@code clientId} here, connected or not, with what it queued. @return whether there was one */
    public boolean endSession(String clientId) {
        return administration.endSession(clientId);
    }

    /** The identities ({@code DeviceIdentity.deviceId}) owning sessions on this node, connected or not. */
    public Set<String> sessionOwners() {
        return administration.sessionOwners();
    }

    /** Disconnects every connected client matching {@code condition} (0x98). @return how many */
    public int disconnectIf(Predicate<ConnectionInfo> condition) {
        return administration.disconnectIf(condition);
    }

    /** The number of sessions, connected or not. */
    public long sessionCount() {
        return sessions.size();
    }

    /** The number of subscriptions of all sessions. */
    public int subscriptionCount() {
        return router.subscriptionCount();
    }

    public BrokerConfig config() {
        return config;
    }
}
