package io.mqttbridge.broker.limits;

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

    private final Meter maxConnections;
    private final Meter connectRate;
    private final Meter authBackoff;
    private final Meter publishRate;
    private final Meter publishBytes;
    private final Meter subscriptions;

    public LimitMetrics(MetricRegistry registry) {
        maxConnections = registry.meter(MAX_CONNECTIONS);
        connectRate = registry.meter(CONNECT_RATE);
        authBackoff = registry.meter(AUTH_BACKOFF);
        publishRate = registry.meter(PUBLISH_RATE);
        publishBytes = registry.meter(PUBLISH_BYTES);
        subscriptions = registry.meter(SUBSCRIPTIONS);
    }

    public void maxConnectionsRefused() { maxConnections.mark(); }
    public void connectRateRefused() { connectRate.mark(); }
    public void authBackoffRefused() { authBackoff.mark(); }
    public void publishRateExceeded() { publishRate.mark(); }
    public void publishBytesExceeded() { publishBytes.mark(); }
    public void subscriptionRefused() { subscriptions.mark(); }
}
