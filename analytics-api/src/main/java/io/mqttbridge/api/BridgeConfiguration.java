package io.mqttbridge.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.core.Configuration;
import io.mqttbridge.api.auth.ApiAuthConfig;
import io.mqttbridge.api.config.ApiCorsConfig;
import io.mqttbridge.api.config.DiskGuardConfig;
import io.mqttbridge.api.config.MqttAuthConfig;
import io.mqttbridge.api.config.Role;
import io.mqttbridge.api.console.ConsoleConfig;
import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.db.DatabaseConfig;
import io.mqttbridge.db.history.HistoryWriterConfig;
import io.mqttbridge.kafka.KafkaConnectorConfig;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;

/**
 * The whole bridge's configuration, read from YAML. Every field has a default, so an empty file
 * runs the bridge with embedded Kafka and PostgreSQL; any field can be overridden with
 * {@code -Ddw.<path>=<value>} or {@code ${ENV_VAR}} substitution in the file.
 */
public class BridgeConfiguration extends Configuration {

    public static final Path DEFAULT_DATA_DIRECTORY = Path.of("data");
    public static final String DEFAULT_NODE_ID = "node-1";

    @NotNull
    private Path dataDirectory = DEFAULT_DATA_DIRECTORY;

    @NotEmpty
    private String nodeId = DEFAULT_NODE_ID;

    @NotEmpty
    private Set<Role> roles = EnumSet.allOf(Role.class);

    @Valid
    @NotNull
    private ApiAuthConfig apiAuth = new ApiAuthConfig();

    @NotNull
    private BrokerConfig broker = new BrokerConfig();

    @Valid
    @NotNull
    private MqttAuthConfig mqttAuth = new MqttAuthConfig();

    @NotNull
    private KafkaConnectorConfig kafka = new KafkaConnectorConfig();

    @NotNull
    private DatabaseConfig database = new DatabaseConfig();

    @NotNull
    private HistoryWriterConfig historyWriter = new HistoryWriterConfig();

    @Valid
    @NotNull
    private ConsoleConfig console = new ConsoleConfig();

    @Valid
    @NotNull
    private ApiCorsConfig apiCors = new ApiCorsConfig();

    @Valid
    @NotNull
    private DiskGuardConfig diskGuard = new DiskGuardConfig();

    /** Dashboards and scrapers need a few; each is a file descriptor the embedded Kafka may need. */
    public static final int DEFAULT_API_MAX_CONNECTIONS = 1000;

    @Min(0)
    private int apiMaxConnections = DEFAULT_API_MAX_CONNECTIONS;

    /** Device records and their metadata are a few kilobytes; anything near this is a mistake or an attack. */
    public static final long DEFAULT_API_MAX_REQUEST_BODY_BYTES = 1024 * 1024;

    @Min(1024)
    private long apiMaxRequestBodyBytes = DEFAULT_API_MAX_REQUEST_BODY_BYTES;

    /** Which web pages on other origins may call the REST API (CORS); none by default. */
    @JsonProperty
    public ApiCorsConfig getApiCors() {
        return apiCors;
    }

    @JsonProperty
    public void setApiCors(ApiCorsConfig apiCors) {
        this.apiCors = apiCors;
    }

    /** Free space the embedded Kafka and PostgreSQL must keep; below it new messages are refused. */
    @JsonProperty
    public DiskGuardConfig getDiskGuard() {
        return diskGuard;
    }

    @JsonProperty
    public void setDiskGuard(DiskGuardConfig diskGuard) {
        this.diskGuard = diskGuard;
    }

    /** Open connections each HTTP connector (REST API, admin) takes at most; 0: no bound. */
    @JsonProperty
    public int getApiMaxConnections() {
        return apiMaxConnections;
    }

    @JsonProperty
    public void setApiMaxConnections(int apiMaxConnections) {
        this.apiMaxConnections = apiMaxConnections;
    }

    /** The largest request body the REST API reads (413 {@code body-too-large} beyond it). */
    @JsonProperty
    public long getApiMaxRequestBodyBytes() {
        return apiMaxRequestBodyBytes;
    }

    @JsonProperty
    public void setApiMaxRequestBodyBytes(long apiMaxRequestBodyBytes) {
        this.apiMaxRequestBodyBytes = apiMaxRequestBodyBytes;
    }

    /** The operator console at {@code /} and its live view. */
    @JsonProperty
    public ConsoleConfig getConsole() {
        return console;
    }

    @JsonProperty
    public void setConsole(ConsoleConfig console) {
        this.console = console;
    }

    /** The MQTT listener and protocol limits. */
    @JsonProperty
    public BrokerConfig getBroker() {
        return broker;
    }

    @JsonProperty
    public void setBroker(BrokerConfig broker) {
        this.broker = broker;
    }

    @JsonProperty
    public MqttAuthConfig getMqttAuth() {
        return mqttAuth;
    }

    @JsonProperty
    public void setMqttAuth(MqttAuthConfig mqttAuth) {
        this.mqttAuth = mqttAuth;
    }

    /** Kafka: bootstrap servers (empty = embedded), mirror rules, session events, downlink. */
    @JsonProperty
    public KafkaConnectorConfig getKafka() {
        return kafka;
    }

    @JsonProperty
    public void setKafka(KafkaConnectorConfig kafka) {
        this.kafka = kafka;
    }

    /** PostgreSQL: JDBC URL (empty = embedded), pool, retention. */
    @JsonProperty
    public DatabaseConfig getDatabase() {
        return database;
    }

    @JsonProperty
    public void setDatabase(DatabaseConfig database) {
        this.database = database;
    }

    @JsonProperty
    public HistoryWriterConfig getHistoryWriter() {
        return historyWriter;
    }

    @JsonProperty
    public void setHistoryWriter(HistoryWriterConfig historyWriter) {
        this.historyWriter = historyWriter;
    }

    @JsonProperty
    public ApiAuthConfig getApiAuth() {
        return apiAuth;
    }

    @JsonProperty
    public void setApiAuth(ApiAuthConfig apiAuth) {
        this.apiAuth = apiAuth;
    }

    @JsonProperty
    public Path getDataDirectory() {
        return dataDirectory;
    }

    @JsonProperty
    public void setDataDirectory(Path dataDirectory) {
        this.dataDirectory = dataDirectory;
    }

    /** Identifies this process in session events and the sessions table; unique per node. */
    @JsonProperty
    public String getNodeId() {
        return nodeId;
    }

    @JsonProperty
    public void setNodeId(String nodeId) {
        this.nodeId = nodeId;
    }

    @JsonProperty
    public Set<Role> getRoles() {
        return roles;
    }

    @JsonProperty
    public void setRoles(Set<Role> roles) {
        this.roles = roles;
    }

    public boolean runs(Role role) {
        return roles.contains(role);
    }
}
