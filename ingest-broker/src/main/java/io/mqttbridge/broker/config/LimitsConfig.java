package io.mqttbridge.broker.config;

import io.mqttbridge.broker.limits.Limits;
/**
 * Limits that keep one client (or one source address) from hurting the others. Every limit is
 * off when 0, except the failed-authentication backoff which is on by default. Rates are per
 * second with a burst allowance (token buckets); a burst of 0 means "one second's worth".
 */
public class LimitsConfig {

    public static final int DEFAULT_CONNECT_RATE_PER_ADDRESS = 0;
    public static final int DEFAULT_CONNECT_BURST_PER_ADDRESS = 0;
    public static final int DEFAULT_PUBLISH_RATE_PER_CLIENT = 0;
    public static final int DEFAULT_PUBLISH_BURST_PER_CLIENT = 0;
    public static final long DEFAULT_PUBLISH_BYTES_PER_SECOND_PER_CLIENT = 0;
    public static final long DEFAULT_PUBLISH_BYTES_BURST_PER_CLIENT = 0;
    public static final int DEFAULT_MAX_SUBSCRIPTIONS_PER_CLIENT = 1_000;
    /** Bytes of packets a connection may send while its CONNECT is still being authenticated. */
    public static final int DEFAULT_MAX_UNAUTHENTICATED_BYTES = 64 * 1024;
    /**
     * MQTT 3.1.1 has no receive maximum: QoS 1/2 PUBLISHes not yet completed per connection before a
     * QoS 2 PUBLISH closes it. Well above what correct clients keep open (a publisher that sends a
     * burst of QoS 2 messages before its first PUBREC arrives has one flow per message; 100 closed the
     * load tool's 200-message burst that Mosquitto accepts), and still a bound on a hostile client.
     */
    public static final int DEFAULT_MAX_INBOUND_QOS2_PER_CLIENT = 1_000;
    /** Sessions one authenticated identity may hold (client id templates such as %u-* allow several). */
    public static final int DEFAULT_MAX_SESSIONS_PER_IDENTITY = 100;
    public static final int DEFAULT_MAX_TOPIC_LEVELS = 32;
    /** Characters of a topic name or filter. */
    public static final int DEFAULT_MAX_TOPIC_LENGTH = 1_024;
    public static final long DEFAULT_MAX_RETAINED_MESSAGES = 100_000;
    public static final long DEFAULT_MAX_RETAINED_BYTES = 256L * 1024 * 1024;
    public static final long DEFAULT_MAX_RETAINED_MESSAGES_PER_CLIENT = 1_000;
    public static final long DEFAULT_MAX_RETAINED_BYTES_PER_CLIENT = 16L * 1024 * 1024;
    public static final int DEFAULT_AUTH_FAILURES_BEFORE_BACKOFF = 10;
    /** Failures over all user names from one address before the whole address backs off. */
    public static final int DEFAULT_AUTH_FAILURES_PER_ADDRESS_BEFORE_BACKOFF = 50;
    public static final long DEFAULT_AUTH_BACKOFF_INITIAL_MILLIS = 1_000;
    public static final long DEFAULT_AUTH_BACKOFF_MAX_MILLIS = 60_000;
    /** How many distinct source addresses the per-address limits remember (oldest forgotten first). */
    public static final int DEFAULT_TRACKED_ADDRESSES = 100_000;
    /** File descriptors connections may never take: Kafka's segments and connections, PostgreSQL's, the broker's files. */
    public static final int DEFAULT_FILE_DESCRIPTOR_RESERVE = 256;
    /** CONNECT bytes still arriving over all connections: real CONNECTs come in milliseconds, so only a flood meets it. */
    public static final long DEFAULT_MAX_PENDING_CONNECT_BYTES = 64L * 1024 * 1024;
    /**
     * Bytes of MQTT packets incomplete after CONNECT, over all connections: a large packet arrives within
     * milliseconds, so only stalled ones add up. With the pre-CONNECT bound, well within the launcher's
     * 512 MiB of direct memory.
     */
    public static final long DEFAULT_MAX_PENDING_PACKET_BYTES = 128L * 1024 * 1024;

    private int connectRatePerAddress = DEFAULT_CONNECT_RATE_PER_ADDRESS;
    private int connectBurstPerAddress = DEFAULT_CONNECT_BURST_PER_ADDRESS;
    private int publishRatePerClient = DEFAULT_PUBLISH_RATE_PER_CLIENT;
    private int publishBurstPerClient = DEFAULT_PUBLISH_BURST_PER_CLIENT;
    private long publishBytesPerSecondPerClient = DEFAULT_PUBLISH_BYTES_PER_SECOND_PER_CLIENT;
    private long publishBytesBurstPerClient = DEFAULT_PUBLISH_BYTES_BURST_PER_CLIENT;
    private int maxSubscriptionsPerClient = DEFAULT_MAX_SUBSCRIPTIONS_PER_CLIENT;
    private int maxUnauthenticatedBytes = DEFAULT_MAX_UNAUTHENTICATED_BYTES;
    private int maxInboundQos2PerClient = DEFAULT_MAX_INBOUND_QOS2_PER_CLIENT;
    private int maxSessionsPerIdentity = DEFAULT_MAX_SESSIONS_PER_IDENTITY;
    private int maxTopicLevels = DEFAULT_MAX_TOPIC_LEVELS;
    private int maxTopicLength = DEFAULT_MAX_TOPIC_LENGTH;
    private long maxRetainedMessages = DEFAULT_MAX_RETAINED_MESSAGES;
    private long maxRetainedBytes = DEFAULT_MAX_RETAINED_BYTES;
    private long maxRetainedMessagesPerClient = DEFAULT_MAX_RETAINED_MESSAGES_PER_CLIENT;
    private long maxRetainedBytesPerClient = DEFAULT_MAX_RETAINED_BYTES_PER_CLIENT;
    private int authFailuresBeforeBackoff = DEFAULT_AUTH_FAILURES_BEFORE_BACKOFF;
    private int authFailuresPerAddressBeforeBackoff = DEFAULT_AUTH_FAILURES_PER_ADDRESS_BEFORE_BACKOFF;
    private long authBackoffInitialMillis = DEFAULT_AUTH_BACKOFF_INITIAL_MILLIS;
    private long authBackoffMaxMillis = DEFAULT_AUTH_BACKOFF_MAX_MILLIS;
    private int trackedAddresses = DEFAULT_TRACKED_ADDRESSES;
    private int fileDescriptorReserve = DEFAULT_FILE_DESCRIPTOR_RESERVE;
    private long maxPendingConnectBytes = DEFAULT_MAX_PENDING_CONNECT_BYTES;
    private long maxPendingPacketBytes = DEFAULT_MAX_PENDING_PACKET_BYTES;

    /** @throws IllegalArgumentException naming the first offending key */
    public LimitsConfig validate() {
        nonNegative(connectRatePerAddress, "connectRatePerAddress");
        nonNegative(connectBurstPerAddress, "connectBurstPerAddress");
        nonNegative(publishRatePerClient, "publishRatePerClient");
        nonNegative(publishBurstPerClient, "publishBurstPerClient");
        nonNegative(publishBytesPerSecondPerClient, "publishBytesPerSecondPerClient");
        nonNegative(publishBytesBurstPerClient, "publishBytesBurstPerClient");
        nonNegative(maxSubscriptionsPerClient, "maxSubscriptionsPerClient");
        nonNegative(maxUnauthenticatedBytes, "maxUnauthenticatedBytes");
        nonNegative(maxInboundQos2PerClient, "maxInboundQos2PerClient");
        nonNegative(maxSessionsPerIdentity, "maxSessionsPerIdentity");
        nonNegative(maxTopicLevels, "maxTopicLevels");
        nonNegative(maxTopicLength, "maxTopicLength");
        nonNegative(maxRetainedMessages, "maxRetainedMessages");
        nonNegative(maxRetainedBytes, "maxRetainedBytes");
        nonNegative(maxRetainedMessagesPerClient, "maxRetainedMessagesPerClient");
        nonNegative(maxRetainedBytesPerClient, "maxRetainedBytesPerClient");
        nonNegative(authFailuresBeforeBackoff, "authFailuresBeforeBackoff");
        nonNegative(authFailuresPerAddressBeforeBackoff, "authFailuresPerAddressBeforeBackoff");
        if (authFailuresPerAddressBeforeBackoff < authFailuresBeforeBackoff) {
            fail("authFailuresPerAddressBeforeBackoff", "must be at least authFailuresBeforeBackoff, was "
                    + authFailuresPerAddressBeforeBackoff);
        }
        if (authBackoffInitialMillis <= 0) {
            fail("authBackoffInitialMillis", "must be positive, was " + authBackoffInitialMillis);
        }
        if (authBackoffMaxMillis < authBackoffInitialMillis) {
            fail("authBackoffMaxMillis", "must be at least authBackoffInitialMillis, was " + authBackoffMaxMillis);
        }
        nonNegative(fileDescriptorReserve, "fileDescriptorReserve");
        nonNegative(maxPendingConnectBytes, "maxPendingConnectBytes");
        nonNegative(maxPendingPacketBytes, "maxPendingPacketBytes");
        if (trackedAddresses < 1) {
            fail("trackedAddresses", "must be positive, was " + trackedAddresses);
        }
        return this;
    }

    private static void nonNegative(long value, String key) {
        if (value < 0) {
            fail(key, "must not be negative (0 = off), was " + value);
        }
    }

    private static void fail(String key, String message) {
        throw new IllegalArgumentException("broker configuration 'limits." + key + "' " + message);
    }

    /** Bytes a connection may send while its CONNECT is authenticated; beyond: closed (0 = off). */
    public int getMaxUnauthenticatedBytes() { return maxUnauthenticatedBytes; }
    public void setMaxUnauthenticatedBytes(int value) { this.maxUnauthenticatedBytes = value; }
    /** MQTT 3.1.1 QoS 2 PUBLISHes in flight per connection; beyond: closed (0 = off). */
    public int getMaxInboundQos2PerClient() { return maxInboundQos2PerClient; }
    public void setMaxInboundQos2PerClient(int value) { this.maxInboundQos2PerClient = value; }
    /** Sessions per authenticated identity; a new one beyond: CONNACK 0x97 / 3.1.1 code 3 (0 = off). */
    public int getMaxSessionsPerIdentity() { return maxSessionsPerIdentity; }
    public void setMaxSessionsPerIdentity(int value) { this.maxSessionsPerIdentity = value; }
    /** Levels of a topic name or filter (0 = off). */
    public int getMaxTopicLevels() { return maxTopicLevels; }
    public void setMaxTopicLevels(int value) { this.maxTopicLevels = value; }
    /** Characters of a topic name or filter (0 = off). */
    public int getMaxTopicLength() { return maxTopicLength; }
    public void setMaxTopicLength(int value) { this.maxTopicLength = value; }

    /** Whether a topic name or filter is within {@code maxTopicLevels} and {@code maxTopicLength}. */
    public boolean allowsTopicSize(String topic) {
        // Characters, not UTF-16 units: an emoji is one character and two units.
        if (maxTopicLength > 0 && topic.length() > maxTopicLength
                && topic.codePointCount(0, topic.length()) > maxTopicLength) {
            return false;
        }
        if (maxTopicLevels <= 0) {
            return true;
        }
        int levels = 1;
        for (int i = 0; i < topic.length(); i++) {
            if (topic.charAt(i) == '/' && ++levels > maxTopicLevels) {
                return false;
            }
        }
        return true;
    }

    /** What {@link #allowsTopicSize} checks, for an error message. */
    public String topicSizeLimits() {
        return "limits.maxTopicLength " + maxTopicLength + " characters, limits.maxTopicLevels " + maxTopicLevels
                + " levels";
    }

    /** Retained messages in all / bytes in all / per publishing client / bytes per client (0 = off). */
    public long getMaxRetainedMessages() { return maxRetainedMessages; }
    public void setMaxRetainedMessages(long value) { this.maxRetainedMessages = value; }
    public long getMaxRetainedBytes() { return maxRetainedBytes; }
    public void setMaxRetainedBytes(long value) { this.maxRetainedBytes = value; }
    public long getMaxRetainedMessagesPerClient() { return maxRetainedMessagesPerClient; }
    public void setMaxRetainedMessagesPerClient(long value) { this.maxRetainedMessagesPerClient = value; }
    public long getMaxRetainedBytesPerClient() { return maxRetainedBytesPerClient; }
    public void setMaxRetainedBytesPerClient(long value) { this.maxRetainedBytesPerClient = value; }

    public int getConnectRatePerAddress() { return connectRatePerAddress; }
    public void setConnectRatePerAddress(int connectRatePerAddress) { this.connectRatePerAddress = connectRatePerAddress; }
    public int getConnectBurstPerAddress() { return connectBurstPerAddress; }
    public void setConnectBurstPerAddress(int connectBurstPerAddress) { this.connectBurstPerAddress = connectBurstPerAddress; }
    public int getPublishRatePerClient() { return publishRatePerClient; }
    public void setPublishRatePerClient(int publishRatePerClient) { this.publishRatePerClient = publishRatePerClient; }
    public int getPublishBurstPerClient() { return publishBurstPerClient; }
    public void setPublishBurstPerClient(int publishBurstPerClient) { this.publishBurstPerClient = publishBurstPerClient; }
    public long getPublishBytesPerSecondPerClient() { return publishBytesPerSecondPerClient; }
    public void setPublishBytesPerSecondPerClient(long value) { this.publishBytesPerSecondPerClient = value; }
    public long getPublishBytesBurstPerClient() { return publishBytesBurstPerClient; }
    public void setPublishBytesBurstPerClient(long value) { this.publishBytesBurstPerClient = value; }
    public int getMaxSubscriptionsPerClient() { return maxSubscriptionsPerClient; }
    public void setMaxSubscriptionsPerClient(int maxSubscriptionsPerClient) { this.maxSubscriptionsPerClient = maxSubscriptionsPerClient; }
    public int getAuthFailuresBeforeBackoff() { return authFailuresBeforeBackoff; }
    public void setAuthFailuresBeforeBackoff(int authFailuresBeforeBackoff) { this.authFailuresBeforeBackoff = authFailuresBeforeBackoff; }
    /** Failed logins over all user names from one source address before the address backs off. */
    public int getAuthFailuresPerAddressBeforeBackoff() { return authFailuresPerAddressBeforeBackoff; }
    public void setAuthFailuresPerAddressBeforeBackoff(int value) { this.authFailuresPerAddressBeforeBackoff = value; }
    public long getAuthBackoffInitialMillis() { return authBackoffInitialMillis; }
    public void setAuthBackoffInitialMillis(long authBackoffInitialMillis) { this.authBackoffInitialMillis = authBackoffInitialMillis; }
    public long getAuthBackoffMaxMillis() { return authBackoffMaxMillis; }
    public void setAuthBackoffMaxMillis(long authBackoffMaxMillis) { this.authBackoffMaxMillis = authBackoffMaxMillis; }
    public int getTrackedAddresses() { return trackedAddresses; }
    public void setTrackedAddresses(int trackedAddresses) { this.trackedAddresses = trackedAddresses; }
    /** Open files a new connection may never leave fewer than (of the process's limit); 0 = not enforced. */
    public int getFileDescriptorReserve() { return fileDescriptorReserve; }
    public void setFileDescriptorReserve(int fileDescriptorReserve) { this.fileDescriptorReserve = fileDescriptorReserve; }
    /** Bytes of CONNECT packets still arriving, over all connections; 0 = no bound. */
    public long getMaxPendingConnectBytes() { return maxPendingConnectBytes; }
    public void setMaxPendingConnectBytes(long maxPendingConnectBytes) { this.maxPendingConnectBytes = maxPendingConnectBytes; }
    /** Bytes of packets incomplete after CONNECT over all connections; beyond, the oldest closed (0 = off). */
    public long getMaxPendingPacketBytes() { return maxPendingPacketBytes; }
    public void setMaxPendingPacketBytes(long value) { this.maxPendingPacketBytes = value; }
}
