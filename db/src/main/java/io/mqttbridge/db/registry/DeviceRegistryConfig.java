package io.mqttbridge.db.registry;

import io.mqttbridge.broker.spi.ClientIdBinding;
import java.util.ArrayList;
import java.util.List;

/** How the device registry caches and where it works. Plain and Jackson-friendly, with named defaults. */
public class DeviceRegistryConfig {

    public static final long DEFAULT_CACHE_TTL_SECONDS = 60;
    public static final long DEFAULT_CACHE_MAX_DEVICES = 100_000;
    /** Argon2 checks are CPU-bound: about one thread per core. */
    public static final int DEFAULT_THREADS = Math.max(2, Runtime.getRuntime().availableProcessors());
    /** Requests waiting beyond this are refused as "server unavailable" instead of queueing without bound. */
    public static final int DEFAULT_MAX_QUEUED = 10_000;

    private long cacheTtlSeconds = DEFAULT_CACHE_TTL_SECONDS;
    private long cacheMaxDevices = DEFAULT_CACHE_MAX_DEVICES;
    private int threads = DEFAULT_THREADS;
    private int maxQueued = DEFAULT_MAX_QUEUED;
    private String clientIdPattern = ClientIdBinding.DEFAULT_PATTERN;

    /** @throws IllegalArgumentException naming the offending keys */
    public DeviceRegistryConfig validate() {
        List<String> problems = new ArrayList<>();
        if (cacheTtlSeconds < 0) {
            problems.add("cacheTtlSeconds must be 0 (no caching) or more, was " + cacheTtlSeconds);
        }
        if (cacheMaxDevices < 1) {
            problems.add("cacheMaxDevices must be at least 1, was " + cacheMaxDevices);
        }
        if (threads < 1) {
            problems.add("threads must be at least 1, was " + threads);
        }
        if (maxQueued < 1) {
            problems.add("maxQueued must be at least 1, was " + maxQueued);
        }
        try {
            clientIdBinding();
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid device registry configuration: " + String.join("; ", problems));
        }
        return this;
    }

    /**
     * The client ids a device may use ({@link ClientIdBinding}): {@code %u} (default) = its device
     * id, a template such as {@code %u-*}, or {@code *} for any.
     */
    public String getClientIdPattern() {
        return clientIdPattern;
    }

    public DeviceRegistryConfig setClientIdPattern(String clientIdPattern) {
        this.clientIdPattern = clientIdPattern;
        return this;
    }

    /** @throws IllegalArgumentException naming the key when the pattern is invalid */
    public ClientIdBinding clientIdBinding() {
        return ClientIdBinding.parse(clientIdPattern, "clientIdPattern");
    }

    public long getCacheTtlSeconds() {
        return cacheTtlSeconds;
    }

    public DeviceRegistryConfig setCacheTtlSeconds(long cacheTtlSeconds) {
        this.cacheTtlSeconds = cacheTtlSeconds;
        return this;
    }

    public long getCacheMaxDevices() {
        return cacheMaxDevices;
    }

    public DeviceRegistryConfig setCacheMaxDevices(long cacheMaxDevices) {
        this.cacheMaxDevices = cacheMaxDevices;
        return this;
    }

    public int getThreads() {
        return threads;
    }

    public DeviceRegistryConfig setThreads(int threads) {
        this.threads = threads;
        return this;
    }

    public int getMaxQueued() {
        return maxQueued;
    }

    public DeviceRegistryConfig setMaxQueued(int maxQueued) {
        this.maxQueued = maxQueued;
        return this;
    }
}
