package io.mqttbridge.broker.metrics;

import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;

/** How often each limit was hit, as meters named under {@value #PREFIX}. Thread-safe and lock-free. */
public final class LimitMetrics {

    public static final String PREFIX = "mqtt.limits";
    public static final String MAX_CONNECTIONS = PREFIX + ".max-connections.refused";
    public static final String CONNECT_RATE = PREFIX + ".connect-rate.refused";
    public static final String AUTH_BACKOFF = PREFIX + ".auth-backoff.refused";
    public static final String PUBLISH_RATE = PREFIX + ".publish-rate.exceeded";
    public static final String PUBLISH_BYTES = PREFIX + ".publish-bytes.exceeded";
    public static final String SUBSCRIPTIONS = PREFIX + ".subscriptions.refused";
    public static final String UNAUTHENTICATED_BYTES = PREFIX + ".unauthenticated-bytes.exceeded";
    public static final String INBOUND_QOS2 = PREFIX + ".inbound-qos2.exceeded";
    public static final String SESSIONS_PER_IDENTITY = PREFIX + ".sessions-per-identity.refused";
    public static final String TOPIC_SIZE = PREFIX + ".topic-size.refused";
    public static final String SESSION_EXPIRY_CAPPED = PREFIX + ".session-expiry.capped";
    public static final String RETAINED = PREFIX + ".retained.refused";
    public static final String FILE_DESCRIPTORS = PREFIX + ".file-descriptors.refused";
    public static final String PENDING_CONNECT_BYTES = PREFIX + ".pending-connect-bytes.refused";
    /** Gauge: the CONNECT bytes still arriving now, over all connections. */
    public static final String PENDING_CONNECT_BYTES_HELD = PREFIX + ".pending-connect-bytes";
    public static final String PENDING_PACKET_BYTES = PREFIX + ".pending-packet-bytes.refused";
    /** Gauge: the bytes of packets incomplete now (after CONNECT), over all connections. */
    public static final String PENDING_PACKET_BYTES_HELD = PREFIX + ".pending-packet-bytes";

    private final Meter maxConnections;
    private final Meter connectRate;
    private final Meter authBackoff;
    private final Meter publishRate;
    private final Meter publishBytes;
    private final Meter subscriptions;
    private final Meter unauthenticatedBytes;
    private final Meter inboundQos2;
    private final Meter sessionsPerIdentity;
    private final Meter topicSize;
    private final Meter sessionExpiryCapped;
    private final Meter retained;
    private final Meter fileDescriptors;
    private final Meter pendingConnectBytes;
    private final Meter pendingPacketBytes;

    public LimitMetrics(MetricRegistry registry) {
        maxConnections = registry.meter(MAX_CONNECTIONS);
        connectRate = registry.meter(CONNECT_RATE);
        authBackoff = registry.meter(AUTH_BACKOFF);
        publishRate = registry.meter(PUBLISH_RATE);
        publishBytes = registry.meter(PUBLISH_BYTES);
        subscriptions = registry.meter(SUBSCRIPTIONS);
        unauthenticatedBytes = registry.meter(UNAUTHENTICATED_BYTES);
        inboundQos2 = registry.meter(INBOUND_QOS2);
        sessionsPerIdentity = registry.meter(SESSIONS_PER_IDENTITY);
        topicSize = registry.meter(TOPIC_SIZE);
        sessionExpiryCapped = registry.meter(SESSION_EXPIRY_CAPPED);
        retained = registry.meter(RETAINED);
        fileDescriptors = registry.meter(FILE_DESCRIPTORS);
        pendingConnectBytes = registry.meter(PENDING_CONNECT_BYTES);
        pendingPacketBytes = registry.meter(PENDING_PACKET_BYTES);
    }

    public void maxConnectionsRefused() { maxConnections.mark(); }
    public void fileDescriptorsRefused() { fileDescriptors.mark(); }
    public void pendingConnectBytesRefused() { pendingConnectBytes.mark(); }
    public void pendingPacketBytesRefused() { pendingPacketBytes.mark(); }
    public void connectRateRefused() { connectRate.mark(); }
    public void authBackoffRefused() { authBackoff.mark(); }
    public void publishRateExceeded() { publishRate.mark(); }
    public void publishBytesExceeded() { publishBytes.mark(); }
    public void subscriptionRefused() { subscriptions.mark(); }
    public void unauthenticatedBytesExceeded() { unauthenticatedBytes.mark(); }
    public void inboundQos2Exceeded() { inboundQos2.mark(); }
    public void sessionsPerIdentityRefused() { sessionsPerIdentity.mark(); }
    public void topicSizeRefused() { topicSize.mark(); }
    public void sessionExpiryCapped() { sessionExpiryCapped.mark(); }
    public void retainedRefused() { retained.mark(); }
}
