package io.mqttbridge.api.runtime;

import com.codahale.metrics.MetricRegistry;
import io.dropwizard.lifecycle.Managed;
import io.mqttbridge.api.BridgeConfiguration;
import io.mqttbridge.api.config.MqttAuthConfig;
import io.mqttbridge.api.disk.DiskGuardedSink;
import io.mqttbridge.api.disk.DiskSpaceGuard;
import io.mqttbridge.api.config.Role;
import io.mqttbridge.api.mqttauth.ChainedMqttAuth;
import io.mqttbridge.broker.MqttBroker;
import io.mqttbridge.broker.auth.CertificateAuthenticator;
import io.mqttbridge.broker.auth.FileAuthenticator;
import io.mqttbridge.broker.auth.jwt.JwtAuthenticator;
import io.mqttbridge.broker.auth.jwt.JwtAuthorizer;
import io.mqttbridge.broker.auth.FileAuthorizer;
import io.mqttbridge.broker.auth.scram.ScramAuthenticator;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.PublishSink;
import io.mqttbridge.db.Database;
import io.mqttbridge.db.DatabaseConfig;
import io.mqttbridge.db.history.HistoryWriter;
import io.mqttbridge.db.registry.DeviceChangeListener;
import io.mqttbridge.db.registry.DeviceRegistry;
import io.mqttbridge.db.store.JdbiRetainedStore;
import io.mqttbridge.db.store.JdbiSessionStore;
import io.mqttbridge.db.store.SessionExpirySweeper;
import io.mqttbridge.kafka.KafkaConnector;
import io.mqttbridge.kafka.KafkaConnectorConfig;
import io.mqttbridge.kafka.embedded.EmbeddedKafkaConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Starts the roles this process runs, in dependency order, and stops them in reverse: PostgreSQL
 * (embedded unless a JDBC URL is configured) and migrations, Kafka (embedded unless bootstrap
 * servers are configured) with the mirror and session events, the MQTT broker, the downlink, the
 * history writer. The configuration beans are never changed: where the runtime fills in a value
 * (data directories, the node id, what the history writer reads) it works on a copy.
 *
 * <p>{@link #start()} runs during application start-up, before the HTTP server opens, so that the
 * REST resources can be built on what it started; Dropwizard calls {@link #stop()} on shutdown
 * (SIGTERM), after the HTTP connectors closed. If start-up fails half-way, whatever already
 * started is stopped before the exception propagates.
 */
public final class BridgeRuntime implements Managed {

    private static final Logger LOG = LoggerFactory.getLogger(BridgeRuntime.class);

    private final BridgeConfiguration config;
    private final MetricRegistry metrics;
    private final Deque<AutoCloseable> started = new ArrayDeque<>();

    private Database database;
    private KafkaConnector kafka;
    private DeviceRegistry deviceRegistry;
    private MqttBroker broker;
    private HistoryWriter historyWriter;
    private DiskSpaceGuard diskGuard;

    public BridgeRuntime(BridgeConfiguration config, MetricRegistry metrics) {
        this.config = config;
        this.metrics = metrics;
    }

    /** Starts every configured role; blocks until all are up. */
    public void startRoles() {
        ConfigurationPreflight.check(config);
        try {
            // Every role needs PostgreSQL: the broker for its sessions, retained messages and device registry.
            DatabaseConfig databaseConfig = databaseConfig();
            database = started(Database.open(databaseConfig));
            diskGuard = startDiskGuard(databaseConfig);
            Map<String, Runnable> hourly = new LinkedHashMap<>();
            hourly.put("Message partition maintenance", () ->
                    LOG.info("Message partitions maintained: {}", database.partitions().maintain()));
            if (config.runs(Role.BROKER)) {
                startBroker(hourly);
            } else if (config.runs(Role.HISTORY_WRITER)) {
                startHistoryWriter();
            }
            started(new HourlyMaintenance(hourly));
        } catch (RuntimeException e) {
            stop();
            throw e;
        }
    }

    /**
     * Kafka (mirror and session events), the durable stores, the authentication methods, the history
     * writer when this process runs it, the broker and then the downlink into it; {@link #stop()} takes
     * them down in exactly the reverse order.
     */
    private void startBroker(Map<String, Runnable> hourly) {
        kafka = started(startKafka());
        // Persistent sessions and retained messages survive a restart in PostgreSQL; the stores close
        // after the broker (which hands them its final snapshots) and before the database.
        JdbiSessionStore sessionStore = started(new JdbiSessionStore(database.jdbi(), config.getNodeId()));
        // Expired offline sessions of any node, also of nodes that died; safe on every node at once.
        started(SessionExpirySweeper.start(database.jdbi(), SessionExpirySweeper.DEFAULT_INTERVAL));
        JdbiRetainedStore retainedStore = started(new JdbiRetainedStore(database.jdbi()));
        hourly.put("Expired retained message purge", () -> retainedStore.purgeExpired().join());
        ChainedMqttAuth authentication = mqttAuthentication();
        // Every method of the chain hands the broker the identity's permissions with the identity.
        // Short of disk, messages are refused before they reach Kafka, whose full disk would halt the process.
        PublishSink sink = diskGuard == null ? kafka.publishSink() : new DiskGuardedSink(kafka.publishSink(), diskGuard, metrics);
        broker = new MqttBroker(config.getBroker(), authentication, Authorizer.DENY_ALL, sink,
                kafka.sessionListener(), sessionStore, retainedStore, metrics, kafka.clusterFabric());
        if (deviceRegistry != null && config.getMqttAuth().isScram()) {
            // MQTT 5 AUTH with SCRAM-SHA-256/512 against the verifiers stored with each device's credentials.
            broker.enhancedAuthentication(new ScramAuthenticator(deviceRegistry));
        }
        if (config.runs(Role.HISTORY_WRITER)) {
            // Before the broker, so that it stops after it: on a SIGTERM clients get their DISCONNECT
            // (0x8B) at once and can go to another node, not after the writer's consumers have left
            // their group (5.6 s in a cluster probe). Its start does not wait for Kafka.
            startHistoryWriter();
        }
        broker.start();
        started.push(broker::stop);
        if (deviceRegistry != null) {
            // Device changes made on any node (through PostgreSQL, not Kafka) reach the sessions held here.
            started(DeviceChangeListener.start(database::openDedicatedConnection, new NotifiedDeviceChanges(deviceRegistry, broker)));
        }
        kafka.startDownlink(broker);
        started.push(kafka::stopDownlink);
        LOG.info("MQTT broker listening on {}", broker.ports());
    }

    private void startHistoryWriter() {
        String connectorKafka = kafka == null ? null : kafka.bootstrapServers();
        historyWriter = started(new HistoryWriter(HistoryWriterSettings.of(config, connectorKafka), database,
                metrics).start());
    }

    /**
     * The guard of the embedded stores' free space ({@code diskGuard}), or {@code null} when it is off or
     * this process keeps nothing on its own disk (external Kafka and PostgreSQL).
     */
    private DiskSpaceGuard startDiskGuard(DatabaseConfig db) {
        List<Path> watched = new ArrayList<>();
        if (db.isEmbedded()) {
            watched.add(Path.of(db.getEmbeddedDataDirectory()));
        }
        if (config.runs(Role.BROKER) && config.getKafka().usesEmbeddedKafka()) {
            watched.add(Path.of(kafkaConfig().getEmbedded().getDataDirectory()));
        }
        if (!config.getDiskGuard().isEnabled() || watched.isEmpty()) {
            return null;
        }
        return started(DiskSpaceGuard.start(watched, config.getDiskGuard(), metrics));
    }

    /** The Kafka connector; a configuration error names its key from the top of the configuration file. */
    private KafkaConnector startKafka() {
        try {
            return KafkaConnector.start(kafkaConfig(), config.getBroker().getMaxPacketSize(), metrics);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("kafka." + e.getMessage(), e);
        }
    }

    private final List<ChainedMqttAuth.Method> firstMqttAuthMethods = new ArrayList<>();

    /** An authentication method tried before the configured ones (the console's live-view tokens); call before {@link #startRoles()}. */
    public void addMqttAuthMethod(ChainedMqttAuth.Method method) {
        firstMqttAuthMethods.add(method);
    }

    /** Remembers {@code component} to be closed by {@link #stop()}, after everything started later. */
    private <T extends AutoCloseable> T started(T component) {
        started.push(component);
        return component;
    }

    /**
     * The MQTT authentication chain, in this order: the methods added with {@link #addMqttAuthMethod}
     * (the console's live-view tokens), client certificate, JWT, device registry, configuration-file
     * users (which also decide anonymous access).
     */
    private ChainedMqttAuth mqttAuthentication() {
        MqttAuthConfig auth = config.getMqttAuth();
        FileAuthorizer fileAuthorizer = new FileAuthorizer(auth.getFile());
        if (auth.isUseDeviceRegistry()) {
            deviceRegistry = started(new DeviceRegistry(database, auth.getDeviceRegistry()));
        }
        // Devices identified by certificate get the registry's rules for that device id when there is a registry.
        Authorizer deviceAuthorizer = deviceRegistry != null ? deviceRegistry : fileAuthorizer;
        List<ChainedMqttAuth.Method> methods = new ArrayList<>(firstMqttAuthMethods);
        if (auth.getCertificate() != null) {
            methods.add(new ChainedMqttAuth.Method("certificate",
                    new CertificateAuthenticator(auth.getCertificate().validate()), deviceAuthorizer));
        }
        if (auth.getJwt() != null) {
            JwtAuthenticator jwtAuthenticator = started(new JwtAuthenticator(auth.getJwt().validate()));
            methods.add(new ChainedMqttAuth.Method("jwt", jwtAuthenticator, new JwtAuthorizer(auth.getJwt())));
        }
        if (deviceRegistry != null) {
            methods.add(new ChainedMqttAuth.Method("device-registry", deviceRegistry, deviceRegistry));
        }
        FileAuthenticator fileAuthenticator = started(new FileAuthenticator(auth.getFile()));
        methods.add(new ChainedMqttAuth.Method("file", fileAuthenticator, fileAuthorizer));
        if (auth.getFile().isAllowAnonymous()) {
            LOG.warn("Anonymous MQTT clients are allowed (mqttAuth.file.allowAnonymous); "
                    + "switch it off for anything but development");
        }
        return new ChainedMqttAuth(methods);
    }

    /** The embedded PostgreSQL keeps its data under the data directory unless placed elsewhere. */
    private DatabaseConfig databaseConfig() {
        DatabaseConfig db = ConfigurationCopies.copyOf(config.getDatabase());
        if (DatabaseConfig.DEFAULT_EMBEDDED_DATA_DIRECTORY.equals(db.getEmbeddedDataDirectory())) {
            db.setEmbeddedDataDirectory(dataPath("postgres"));
        }
        return db;
    }

    private KafkaConnectorConfig kafkaConfig() {
        KafkaConnectorConfig kafkaConfig = ConfigurationCopies.copyOf(config.getKafka());
        kafkaConfig.setNodeId(config.getNodeId());
        EmbeddedKafkaConfig embedded = kafkaConfig.getEmbedded();
        if (EmbeddedKafkaConfig.DEFAULT_DATA_DIRECTORY.equals(embedded.getDataDirectory())) {
            embedded.setDataDirectory(dataPath("kafka"));
        }
        return kafkaConfig;
    }

    private String dataPath(String child) {
        return config.getDataDirectory().resolve(child).toString();
    }

    public Optional<Database> database() {
        return Optional.ofNullable(database);
    }

    /** This node's id ({@code nodeId} in the configuration). */
    public String nodeId() {
        return config.getNodeId();
    }

    public Optional<MqttBroker> broker() {
        return Optional.ofNullable(broker);
    }

    public Optional<KafkaConnector> kafka() {
        return Optional.ofNullable(kafka);
    }

    public Optional<DeviceRegistry> deviceRegistry() {
        return Optional.ofNullable(deviceRegistry);
    }

    /** The guard of the embedded stores' free space, when it runs. */
    public Optional<DiskSpaceGuard> diskGuard() {
        return Optional.ofNullable(diskGuard);
    }

    public Optional<HistoryWriter> historyWriter() {
        return Optional.ofNullable(historyWriter);
    }

    public Path dataDirectory() {
        return config.getDataDirectory();
    }

    @Override
    public void start() {
        // Everything started in startRoles(), before the HTTP server; see the class comment.
    }

    @Override
    public synchronized void stop() {
        while (!started.isEmpty()) {
            AutoCloseable component = started.pop();
            try {
                component.close();
            } catch (Exception e) {
                LOG.warn("Failed to stop {}", component, e);
            }
        }
    }
}
