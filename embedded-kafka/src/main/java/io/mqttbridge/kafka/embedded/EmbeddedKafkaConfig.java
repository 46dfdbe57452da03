package io.mqttbridge.kafka.embedded;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Settings of the embedded single-node Kafka. Jackson-friendly: every field has a named default and
 * a setter, so it can be embedded in the application's YAML configuration.
 */
public class EmbeddedKafkaConfig {

    public static final String DEFAULT_DATA_DIRECTORY = "./data/kafka";
    public static final String DEFAULT_HOST = "127.0.0.1";
    /** 0: pick a free port at every start. */
    public static final int DEFAULT_PORT = 0;
    public static final int DEFAULT_NODE_ID = 1;
    public static final int DEFAULT_STARTUP_ATTEMPTS = 5;

    private String dataDirectory = DEFAULT_DATA_DIRECTORY;
    private String host = DEFAULT_HOST;
    private int port = DEFAULT_PORT;
    private int nodeId = DEFAULT_NODE_ID;
    private int startupAttempts = DEFAULT_STARTUP_ATTEMPTS;
    private Map<String, String> overrides = new LinkedHashMap<>();

    public String getDataDirectory() {
        return dataDirectory;
    }

    public EmbeddedKafkaConfig setDataDirectory(String dataDirectory) {
        this.dataDirectory = dataDirectory;
        return this;
    }

    public String getHost() {
        return host;
    }

    /** The address both listeners bind to and advertise. */
    public EmbeddedKafkaConfig setHost(String host) {
        this.host = host;
        return this;
    }

    public int getPort() {
        return port;
    }

    /** The client (PLAINTEXT) port; 0 picks a free one. */
    public EmbeddedKafkaConfig setPort(int port) {
        this.port = port;
        return this;
    }

    public int getNodeId() {
        return nodeId;
    }

    public EmbeddedKafkaConfig setNodeId(int nodeId) {
        this.nodeId = nodeId;
        return this;
    }

    public int getStartupAttempts() {
        return startupAttempts;
    }

    /** How often to retry with fresh ports when another process takes a picked port first. */
    public EmbeddedKafkaConfig setStartupAttempts(int startupAttempts) {
        this.startupAttempts = startupAttempts;
        return this;
    }

    public Map<String, String> getOverrides() {
        return overrides;
    }

    /** Kafka server properties applied last, over the embedded defaults. */
    public EmbeddedKafkaConfig setOverrides(Map<String, String> overrides) {
        this.overrides = overrides == null ? new LinkedHashMap<>() : new LinkedHashMap<>(overrides);
        return this;
    }

    /**
     * @param prefix the configuration path of this object, used in messages
     * @throws IllegalArgumentException naming the offending key
     */
    public void validate(String prefix) {
        if (dataDirectory == null || dataDirectory.isBlank()) {
            throw new IllegalArgumentException(prefix + ".dataDirectory must not be empty");
        }
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException(prefix + ".host must not be empty");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException(prefix + ".port must be 0 (any free port) or 1..65535, was " + port);
        }
        if (nodeId < 0) {
            throw new IllegalArgumentException(prefix + ".nodeId must not be negative, was " + nodeId);
        }
        if (startupAttempts < 1) {
            throw new IllegalArgumentException(prefix + ".startupAttempts must be at least 1, was " + startupAttempts);
        }
    }
}
