package io.mqttbridge.broker.internal;

import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.broker.connection.ClientConnection;
import io.mqttbridge.broker.connection.ShutdownClose;
import io.mqttbridge.broker.limits.Limits;
import io.mqttbridge.broker.listener.ListenerConfig;
import io.mqttbridge.broker.listener.internal.ListenerTransport;
import io.mqttbridge.broker.listener.internal.ReloadingSslContext;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.netty.MqttServerBootstrap;
import io.mqttbridge.broker.pipeline.MqttChannelInitializer;
import io.netty.channel.Channel;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The broker's bound listeners (TCP, TLS, WebSocket, secure WebSocket, as configured): binds each
 * with the pipeline its transport needs, keeps the port each is bound to and the client channels
 * each accepted (to close them at stop), and watches the TLS files of the secure ones, reloading a
 * changed certificate without a restart. Apart from {@code MqttBroker} so that the broker's
 * lifecycle reads as a sequence of steps, not as listener bookkeeping.
 *
 * <p>Threading: {@link #bindAll}, {@link #stopTlsReload} and the {@code forget} methods are called
 * under the broker's lock (its start and stop); the ports, {@link #reloadTlsIfChanged} and
 * {@link #disconnectAll} are safe from any thread.
 */
public final class BrokerListeners {

    private static final Logger LOG = LoggerFactory.getLogger(BrokerListeners.class);

    private final BrokerConfig config;
    private final BrokerMetrics metrics;
    private final Limits limits;
    private final List<MqttChannelInitializer> initializers = new CopyOnWriteArrayList<>();
    private final List<ReloadingSslContext> sslContexts = new CopyOnWriteArrayList<>();
    private final Map<String, Integer> ports = new ConcurrentHashMap<>();
    private volatile int firstPort = -1;
    private ScheduledExecutorService tlsReloader;

    public BrokerListeners(BrokerConfig config, BrokerMetrics metrics, Limits limits) {
        this.config = config;
        this.metrics = metrics;
        this.limits = limits;
    }

    /**
     * Binds every configured listener on {@code server}, in order, its connections handled by
     * {@code handlers}.
     *
     * @throws IllegalStateException naming host and port when binding fails
     * @throws IllegalArgumentException naming the configuration key when a TLS file cannot be used
     */
    public void bindAll(MqttServerBootstrap server, MqttChannelInitializer.Handlers handlers) {
        List<ListenerConfig> listeners = config.effectiveListeners();
        for (int i = 0; i < listeners.size(); i++) {
            bind(server, listeners.get(i), "listeners[" + i + "]", handlers);
        }
    }

    private void bind(MqttServerBootstrap server, ListenerConfig listenerConfig, String key,
                      MqttChannelInitializer.Handlers handlers) {
        ReloadingSslContext ssl = null;
        if (listenerConfig.getTransport().isSecure()) {
            ssl = new ReloadingSslContext(listenerConfig.getTls(), key + ".tls");
            sslContexts.add(ssl);
            if (tlsReloader == null) {
                tlsReloader = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("mqtt-tls-reload", true));
            }
            ssl.watch(tlsReloader);
        }
        MqttChannelInitializer initializer = new MqttChannelInitializer(listenerConfig.getName(), config, metrics, handlers,
                new ListenerTransport(listenerConfig, ssl, config.getMaxPacketSize(), config.getConnectTimeoutSeconds()),
                limits, listenerConfig.getMaxConnections());
        int bound = server.bind(listenerConfig.getHost(), listenerConfig.getPort(), initializer).getPort();
        initializers.add(initializer);
        ports.put(listenerConfig.getName(), bound);
        if (firstPort < 0) {
            firstPort = bound;
        }
        LOG.info("MQTT broker listener '{}' ({}) on {}:{}", listenerConfig.getName(), listenerConfig.getTransport(),
                listenerConfig.getHost(), bound);
    }

    /** Stops watching the TLS files. */
    public void stopTlsReload() {
        sslContexts.forEach(ReloadingSslContext::stopWatching);
        sslContexts.clear();
        if (tlsReloader != null) {
            tlsReloader.shutdownNow();
            tlsReloader = null;
        }
    }

    /** Checks the TLS files of every secure listener now. @return how many loaded a new TLS context */
    public int reloadTlsIfChanged() {
        int reloaded = 0;
        for (ReloadingSslContext ssl : sslContexts) {
            if (ssl.reloadIfChanged()) {
                reloaded++;
            }
        }
        return reloaded;
    }

    /** The bound port of the listener named {@code listenerName}. @throws IllegalArgumentException if there is none */
    public int port(String listenerName) {
        Integer bound = ports.get(listenerName);
        if (bound == null) {
            throw new IllegalArgumentException("no bound listener named '" + listenerName + "' (bound: " + ports.keySet() + ")");
        }
        return bound;
    }

    /** Bound port by listener name; empty before the first bind. */
    public Map<String, Integer> ports() {
        return Map.copyOf(ports);
    }

    /** The bound port of the first listener; -1 before the first bind. */
    public int firstPort() {
        return firstPort;
    }

    /**
     * Sends every connected client DISCONNECT 0x8B (server shutting down; MQTT 5 only) and closes its
     * connection, each once the PUBCOMPs it owes are written ({@link ShutdownClose}).
     * @return completes once every client channel of the listeners is closed
     */
    public CompletableFuture<Void> disconnectAll() {
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        List<Channel> channels = new ArrayList<>();
        initializers.forEach(initializer -> channels.addAll(initializer.channels()));
        for (Channel channel : channels) {
            ClientConnection connection = ClientConnection.of(channel);
            if (connection != null) {
                ShutdownClose.close(connection);
            }
            CompletableFuture<Void> closed = new CompletableFuture<>();
            channel.closeFuture().addListener(f -> closed.complete(null));
            closing.add(closed);
        }
        return CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new));
    }

    /** The broker stopped: the listeners' channels are gone (their ports stay readable). */
    public void forgetChannels() {
        initializers.clear();
    }

    /** The broker failed to start: nothing stays bound. */
    public void forgetAll() {
        initializers.clear();
        ports.clear();
    }
}
