package io.mqttbridge.kafka.mirror;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Settings of the producers the connector creates. The delivery guarantees are not negotiable:
 * {@code acks=all} and idempotence are always on, and {@link #getProperties() pass-through
 * properties} may not change them.
 */
public class ProducerSettings {

    public static final int DEFAULT_LINGER_MS = 5;
    public static final int DEFAULT_BATCH_SIZE_BYTES = 128 * 1024;
    public static final String DEFAULT_COMPRESSION_TYPE = "lz4";
    public static final int DEFAULT_DELIVERY_TIMEOUT_MS = 30_000;
    public static final int DEFAULT_REQUEST_TIMEOUT_MS = 15_000;
    public static final int DEFAULT_MAX_BLOCK_MS = 10_000;
    public static final long DEFAULT_BUFFER_MEMORY_BYTES = 64L * 1024 * 1024;
    public static final int DEFAULT_MAX_IN_FLIGHT_REQUESTS = 5;
    public static final long DEFAULT_OUTSTANDING_HIGH_WATER_BYTES = 16L * 1024 * 1024;
    public static final long DEFAULT_OUTSTANDING_LOW_WATER_BYTES = 8L * 1024 * 1024;
    public static final long DEFAULT_OUTSTANDING_LIMIT_BYTES = 32L * 1024 * 1024;

    /** Keys the pass-through properties may not set: they carry the delivery promise. */
    static final Set<String> FIXED_KEYS = Set.of(
            ProducerConfig.ACKS_CONFIG,
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            ProducerConfig.TRANSACTIONAL_ID_CONFIG);

    /** Keys that have a typed setting here; setting them as pass-through properties would be ignored. */
    static final Map<String, String> TYPED_KEYS = Map.of(
            ProducerConfig.LINGER_MS_CONFIG, "lingerMs",
            ProducerConfig.BATCH_SIZE_CONFIG, "batchSizeBytes",
            ProducerConfig.COMPRESSION_TYPE_CONFIG, "compressionType",
            ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "deliveryTimeoutMs",
            ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "requestTimeoutMs",
            ProducerConfig.MAX_BLOCK_MS_CONFIG, "maxBlockMs",
            ProducerConfig.BUFFER_MEMORY_CONFIG, "bufferMemoryBytes",
            ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "maxInFlightRequestsPerConnection",
            ProducerConfig.CLIENT_ID_CONFIG, "(the connector names its producers)");

    private int lingerMs = DEFAULT_LINGER_MS;
    private int batchSizeBytes = DEFAULT_BATCH_SIZE_BYTES;
    private String compressionType = DEFAULT_COMPRESSION_TYPE;
    private int deliveryTimeoutMs = DEFAULT_DELIVERY_TIMEOUT_MS;
    private int requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS;
    private int maxBlockMs = DEFAULT_MAX_BLOCK_MS;
    private long bufferMemoryBytes = DEFAULT_BUFFER_MEMORY_BYTES;
    private int maxInFlightRequestsPerConnection = DEFAULT_MAX_IN_FLIGHT_REQUESTS;
    private long outstandingHighWaterBytes = DEFAULT_OUTSTANDING_HIGH_WATER_BYTES;
    private long outstandingLowWaterBytes = DEFAULT_OUTSTANDING_LOW_WATER_BYTES;
    private long outstandingLimitBytes = DEFAULT_OUTSTANDING_LIMIT_BYTES;
    private Map<String, String> properties = new LinkedHashMap<>();

    /**
     * @return producer properties: the pass-through ones, then these settings, then the fixed
     *     guarantees (acks=all, idempotence, byte-array serializers)
     */
    public Properties toProperties(String bootstrapServers, String clientId) {
        Properties p = new Properties();
        p.putAll(properties);
        p.put(ProducerConfig.LINGER_MS_CONFIG, String.valueOf(lingerMs));
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(batchSizeBytes));
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compressionType);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, String.valueOf(deliveryTimeoutMs));
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(requestTimeoutMs));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(maxBlockMs));
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, String.valueOf(bufferMemoryBytes));
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, String.valueOf(maxInFlightRequestsPerConnection));
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    /** @throws IllegalArgumentException naming the offending key under {@code prefix} */
    public void validate(String prefix) {
        positive(prefix + ".batchSizeBytes", batchSizeBytes);
        positive(prefix + ".deliveryTimeoutMs", deliveryTimeoutMs);
        positive(prefix + ".requestTimeoutMs", requestTimeoutMs);
        positive(prefix + ".bufferMemoryBytes", bufferMemoryBytes);
        positive(prefix + ".outstandingLowWaterBytes", outstandingLowWaterBytes);
        if (lingerMs < 0) {
            throw new IllegalArgumentException(prefix + ".lingerMs must not be negative, was " + lingerMs);
        }
        if (maxBlockMs < 0) {
            throw new IllegalArgumentException(prefix + ".maxBlockMs must not be negative, was " + maxBlockMs);
        }
        if (maxInFlightRequestsPerConnection < 1 || maxInFlightRequestsPerConnection > 5) {
            throw new IllegalArgumentException(prefix + ".maxInFlightRequestsPerConnection must be 1..5 "
                    + "(idempotent producers keep order only up to 5), was " + maxInFlightRequestsPerConnection);
        }
        if ((long) deliveryTimeoutMs < (long) lingerMs + requestTimeoutMs) {
            throw new IllegalArgumentException(prefix + ".deliveryTimeoutMs must be at least lingerMs + requestTimeoutMs ("
                    + ((long) lingerMs + requestTimeoutMs) + "), was " + deliveryTimeoutMs);
        }
        if (compressionType == null || compressionType.isBlank()) {
            throw new IllegalArgumentException(prefix + ".compressionType must not be empty (use 'none')");
        }
        if (outstandingHighWaterBytes < outstandingLowWaterBytes) {
            throw new IllegalArgumentException(prefix + ".outstandingHighWaterBytes must not be below outstandingLowWaterBytes");
        }
        if (outstandingLimitBytes < outstandingHighWaterBytes) {
            throw new IllegalArgumentException(prefix + ".outstandingLimitBytes must not be below outstandingHighWaterBytes");
        }
        if (outstandingLimitBytes > bufferMemoryBytes) {
            throw new IllegalArgumentException(prefix + ".outstandingLimitBytes must not exceed bufferMemoryBytes ("
                    + bufferMemoryBytes + "), or the producer would block for buffer space");
        }
        for (String key : properties.keySet()) {
            if (FIXED_KEYS.contains(key)) {
                throw new IllegalArgumentException(prefix + ".properties." + key
                        + " cannot be set: the connector fixes it to keep its delivery guarantees");
            }
            if (TYPED_KEYS.containsKey(key)) {
                throw new IllegalArgumentException(prefix + ".properties." + key + " cannot be set here; use "
                        + prefix + "." + TYPED_KEYS.get(key));
            }
        }
    }

    private static void positive(String key, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(key + " must be positive, was " + value);
        }
    }

    public int getLingerMs() {
        return lingerMs;
    }

    public ProducerSettings setLingerMs(int lingerMs) {
        this.lingerMs = lingerMs;
        return this;
    }

    public int getBatchSizeBytes() {
        return batchSizeBytes;
    }

    public ProducerSettings setBatchSizeBytes(int batchSizeBytes) {
        this.batchSizeBytes = batchSizeBytes;
        return this;
    }

    public String getCompressionType() {
        return compressionType;
    }

    public ProducerSettings setCompressionType(String compressionType) {
        this.compressionType = compressionType;
        return this;
    }

    public int getDeliveryTimeoutMs() {
        return deliveryTimeoutMs;
    }

    /** How long Kafka may take to acknowledge a record before the publish is rejected. */
    public ProducerSettings setDeliveryTimeoutMs(int deliveryTimeoutMs) {
        this.deliveryTimeoutMs = deliveryTimeoutMs;
        return this;
    }

    public int getRequestTimeoutMs() {
        return requestTimeoutMs;
    }

    public ProducerSettings setRequestTimeoutMs(int requestTimeoutMs) {
        this.requestTimeoutMs = requestTimeoutMs;
        return this;
    }

    public int getMaxBlockMs() {
        return maxBlockMs;
    }

    /** How long the send thread may wait for metadata of a topic it has not written to yet. */
    public ProducerSettings setMaxBlockMs(int maxBlockMs) {
        this.maxBlockMs = maxBlockMs;
        return this;
    }

    public long getBufferMemoryBytes() {
        return bufferMemoryBytes;
    }

    public ProducerSettings setBufferMemoryBytes(long bufferMemoryBytes) {
        this.bufferMemoryBytes = bufferMemoryBytes;
        return this;
    }

    public int getMaxInFlightRequestsPerConnection() {
        return maxInFlightRequestsPerConnection;
    }

    public ProducerSettings setMaxInFlightRequestsPerConnection(int maxInFlightRequestsPerConnection) {
        this.maxInFlightRequestsPerConnection = maxInFlightRequestsPerConnection;
        return this;
    }

    public long getOutstandingHighWaterBytes() {
        return outstandingHighWaterBytes;
    }

    /** Above this many bytes sent but not yet acknowledged, the sink asks the broker to stop reading. */
    public ProducerSettings setOutstandingHighWaterBytes(long outstandingHighWaterBytes) {
        this.outstandingHighWaterBytes = outstandingHighWaterBytes;
        return this;
    }

    public long getOutstandingLowWaterBytes() {
        return outstandingLowWaterBytes;
    }

    /** Below this many outstanding bytes the sink accepts publishes again. */
    public ProducerSettings setOutstandingLowWaterBytes(long outstandingLowWaterBytes) {
        this.outstandingLowWaterBytes = outstandingLowWaterBytes;
        return this;
    }

    public long getOutstandingLimitBytes() {
        return outstandingLimitBytes;
    }

    /** The hard bound: beyond it publishes are rejected at once with reason code 0x97 (Quota exceeded). */
    public ProducerSettings setOutstandingLimitBytes(long outstandingLimitBytes) {
        this.outstandingLimitBytes = outstandingLimitBytes;
        return this;
    }

    public Map<String, String> getProperties() {
        return properties;
    }

    /** Further Kafka producer properties, passed through unchanged (e.g. security settings). */
    public ProducerSettings setProperties(Map<String, String> properties) {
        this.properties = properties == null ? new LinkedHashMap<>() : new LinkedHashMap<>(properties);
        return this;
    }
}
