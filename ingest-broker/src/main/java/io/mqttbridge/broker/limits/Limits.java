package io.mqttbridge.broker.limits;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.config.LimitsConfig;
import io.mqttbridge.broker.limits.internal.AddressTable;
import io.mqttbridge.broker.limits.internal.AdmissionHandler;
import io.mqttbridge.broker.limits.internal.BackoffAuthenticator;
import io.mqttbridge.broker.connection.ClientConnection;
import io.mqttbridge.broker.limits.internal.ConnectionShare;
import io.mqttbridge.broker.limits.internal.PendingBytes;
import io.mqttbridge.broker.limits.internal.PreConnectByteCounter;
import io.mqttbridge.broker.limits.internal.PublishRateLimiter;
import io.mqttbridge.broker.limits.internal.TokenBucket;
import io.mqttbridge.broker.metrics.LimitMetrics;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.DisconnectInfo;
import io.mqttbridge.broker.spi.MqttReasonCode;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;

import java.util.function.LongSupplier;

/**
 * The broker's limits, built from {@link LimitsConfig}: hands out the handlers each listener's
 * pipeline needs and wraps the authenticator with the failed-authentication backoff. The
 * per-address connect rate is shared by all listeners.
 */
public final class Limits {

    private final LimitsConfig config;
    private final LimitMetrics metrics;
    private final AddressTable<TokenBucket> connectRates;
    private final LongSupplier nanoClock = System::nanoTime;
    private final FileDescriptorBudget descriptors;
    private final PendingBytes pendingConnects;
    private final PendingBytes pendingPackets;

    public Limits(LimitsConfig config, MetricRegistry registry) {
        this.config = config;
        this.metrics = new LimitMetrics(registry);
        this.connectRates = config.getConnectRatePerAddress() > 0 ? new AddressTable<>(config.getTrackedAddresses()) : null;
        this.descriptors = FileDescriptorBudget.of(config.getFileDescriptorReserve(), "MQTT",
                metrics::fileDescriptorsRefused);
        this.pendingConnects = new PendingBytes(config.getMaxPendingConnectBytes(), "maxPendingConnectBytes",
                "bytes sent before CONNECT", metrics::pendingConnectBytesRefused);
        this.pendingPackets = new PendingBytes(config.getMaxPendingPacketBytes(), "maxPendingPacketBytes",
                "bytes of incomplete packets", metrics::pendingPacketBytesRefused);
        registry.gauge(LimitMetrics.PENDING_CONNECT_BYTES_HELD, () -> (Gauge<Long>) pendingConnects::reserved);
        registry.gauge(LimitMetrics.PENDING_PACKET_BYTES_HELD, () -> (Gauge<Long>) pendingPackets::reserved);
    }

    /** Starts counting the process's open file descriptors (when {@code fileDescriptorReserve} is on). */
    public void start() {
        if (descriptors != null) {
            descriptors.start();
        }
    }

    public void stop() {
        if (descriptors != null) {
            descriptors.stop();
        }
    }

    /**
     * Whether a connection just accepted may stay: {@code false} when it would leave fewer than
     * {@code fileDescriptorReserve} of the process's file descriptors; the caller closes it at once.
     */
    public boolean admitsDescriptor(Channel channel) {
        return descriptors == null || descriptors.tryAdmit(channel);
    }

    /** {@code authenticator} behind the failed-authentication backoff, or itself when the backoff is off. */
    public Authenticator guard(Authenticator authenticator) {
        if (config.getAuthFailuresBeforeBackoff() <= 0) {
            return authenticator;
        }
        return new BackoffAuthenticator(authenticator, config, metrics, nanoClock);
    }

    /**
     * The shared handler that admits or refuses new connections of one listener, or {@code null}
     * when neither its connection maximum nor the connect rate is limited.
     */
    public ChannelHandler admission(int maxConnections) {
        if (maxConnections <= 0 && connectRates == null) {
            return null;
        }
        return new AdmissionHandler(maxConnections, connectRates, config.getConnectRatePerAddress(),
                config.getConnectBurstPerAddress(), metrics, nanoClock);
    }

    /**
     * A connection's first handler, counting what it sends before its CONNECT against
     * {@code maxPendingConnectBytes} (shared by every listener), or {@code null} when that is off.
     */
    public ChannelHandler newPreConnectBytes() {
        return pendingConnects.isBounded() ? new PreConnectByteCounter(pendingConnects) : null;
    }

    /** Whether {@code maxPendingPacketBytes} bounds the bytes of incomplete packets (else it is 0, off). */
    public boolean boundsIncompletePackets() {
        return pendingPackets.isBounded();
    }

    /**
     * {@code channel}'s incomplete packets after its CONNECT, counted against {@code maxPendingPacketBytes}
     * (shared by every listener); created at its first incomplete packet, so that connections that only
     * ever send packets within one read cost nothing. Only when {@link #boundsIncompletePackets()}.
     */
    public IncompletePacketBytes newIncompletePacketBytes(Channel channel) {
        ConnectionShare share = new ConnectionShare(pendingPackets, channel, Limits::closeForQuota);
        return new IncompletePacketBytes() {
            @Override
            public void holding(long bytes, boolean newPacket) {
                share.holding(bytes, newPacket);
            }

            @Override
            public void closed() {
                share.finish();
            }
        };
    }

    /* A connection closed for want of room for incomplete packets: MQTT 5 gets DISCONNECT 0x97 (Quota exceeded). */
    private static void closeForQuota(Channel channel) {
        channel.eventLoop().execute(() -> {
            ClientConnection connection = ClientConnection.of(channel);
            if (connection != null) {
                connection.disconnect(MqttReasonCode.QUOTA_EXCEEDED, DisconnectInfo.LIMIT_EXCEEDED);
            }
            // The DISCONNECT went if the socket took it at once: a client that reads nothing must not keep
            // its bytes by leaving it unsent.
            channel.close();
        });
    }

    /** A new per-connection publish limiter, or {@code null} when publishes are not limited. */
    public ChannelHandler newPublishLimiter() {
        if (config.getPublishRatePerClient() <= 0 && config.getPublishBytesPerSecondPerClient() <= 0) {
            return null;
        }
        return new PublishRateLimiter(config.getPublishRatePerClient(), config.getPublishBurstPerClient(),
                config.getPublishBytesPerSecondPerClient(), config.getPublishBytesBurstPerClient(), metrics, nanoClock);
    }

    public int maxSubscriptionsPerClient() {
        return config.getMaxSubscriptionsPerClient();
    }

    /** The retained-message limits, for {@code retained.RetainedQuota}. */
    public io.mqttbridge.broker.retained.RetainedQuota.Limits retainedLimits() {
        return new io.mqttbridge.broker.retained.RetainedQuota.Limits(config.getMaxRetainedMessages(),
                config.getMaxRetainedBytes(), config.getMaxRetainedMessagesPerClient(), config.getMaxRetainedBytesPerClient());
    }

    public int maxUnauthenticatedBytes() {
        return config.getMaxUnauthenticatedBytes();
    }

    public int maxInboundQos2PerClient() {
        return config.getMaxInboundQos2PerClient();
    }

    public int maxSessionsPerIdentity() {
        return config.getMaxSessionsPerIdentity();
    }

    /** Whether a topic name or filter is within {@code maxTopicLevels} and {@code maxTopicLength}. */
    public boolean topicSizeAllowed(String topic) {
        return config.allowsTopicSize(topic);
    }

    public LimitMetrics metrics() {
        return metrics;
    }
}
