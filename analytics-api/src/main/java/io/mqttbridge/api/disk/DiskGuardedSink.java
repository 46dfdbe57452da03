package io.mqttbridge.api.disk;

import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.spi.MqttReasonCode;
import io.mqttbridge.broker.spi.PublishRejectedException;
import io.mqttbridge.broker.spi.PublishSink;
import io.mqttbridge.broker.spi.PublishedMessage;
import java.util.concurrent.CompletableFuture;

/**
 * The Kafka mirror behind a {@link DiskSpaceGuard}: while the guard refuses, every message is refused
 * before it reaches Kafka, as not stored for now (MQTT 5: 0x97 Quota exceeded; MQTT 3.1.1: the broker
 * closes the connection and the client resends it later; QoS 0: dropped), and the broker routes it to
 * no subscriber. Counted in {@code disk-guard.messages.refused}. The reason string the client gets
 * names no path: where the bridge keeps its data is the operator's business, logged by the guard.
 */
public final class DiskGuardedSink implements PublishSink {

    static final String REASON = "the bridge's storage is nearly full; send it again later";

    private final PublishSink delegate;
    private final DiskSpaceGuard guard;
    private final Meter refused;

    public DiskGuardedSink(PublishSink delegate, DiskSpaceGuard guard, MetricRegistry metrics) {
        this.delegate = delegate;
        this.guard = guard;
        this.refused = metrics.meter(DiskSpaceGuard.METRIC_PREFIX + ".messages.refused");
    }

    @Override
    public CompletableFuture<Void> accept(PublishedMessage message) {
        if (guard.isRefusing()) {
            refused.mark();
            return CompletableFuture.failedFuture(new PublishRejectedException(MqttReasonCode.QUOTA_EXCEEDED, REASON, null));
        }
        return delegate.accept(message);
    }

    @Override
    public CompletableFuture<Boolean> isStored(PublishedMessage message) {
        return delegate.isStored(message);
    }

    @Override
    public boolean isAcceptingPublishes() {
        return delegate.isAcceptingPublishes();
    }

    @Override
    public void addPressureListener(Runnable listener) {
        delegate.addPressureListener(listener);
    }
}
