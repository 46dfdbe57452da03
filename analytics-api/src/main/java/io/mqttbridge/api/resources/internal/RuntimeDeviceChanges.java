package io.mqttbridge.api.resources.internal;

import io.mqttbridge.api.resources.DeviceChanges;
import io.mqttbridge.broker.MqttBroker;
import io.mqttbridge.db.registry.DeviceRegistry;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@link DeviceChanges} on this process's device registry cache and broker; either may be absent
 * ({@code null}) when the process does not run that role. This applies a change at once on the node
 * that made it; every broker node (this one too) also hears it from PostgreSQL and applies it to the
 * sessions it holds ({@code api.runtime.NotifiedDeviceChanges}); applying it twice changes nothing.
 */
public final class RuntimeDeviceChanges implements DeviceChanges {

    private final DeviceRegistry registry;
    private final MqttBroker broker;

    public RuntimeDeviceChanges(DeviceRegistry registry, MqttBroker broker) {
        this.registry = registry;
        this.broker = broker;
    }

    @Override
    public void changed(String deviceId) {
        if (registry != null) {
            registry.invalidate(deviceId);
            if (broker != null) {
                broker.reauthorize(deviceId, registry);
            }
        }
    }

    @Override
    public int revoked(String deviceId) {
        if (registry != null) {
            registry.invalidate(deviceId);
        }
        if (broker == null) {
            return 0;
        }
        return broker.endSessionsOf(deviceId);
    }

    @Override
    public void credentialsRotated(String deviceId, Duration grace) {
        changed(deviceId);
        if (broker == null) {
            return;
        }
        Instant rotatedAt = Instant.now();
        // A CONNECT authenticating now may have read the old credentials: it ends at the same time.
        broker.identityChanges().credentialsChanged(deviceId, rotatedAt.plus(grace));
        // Connections authenticated before the rotation may hold an old password: they end when it does.
        CompletableFuture.delayedExecutor(grace.toMillis(), TimeUnit.MILLISECONDS).execute(() ->
                broker.disconnectIf(info -> info.identity() != null && Objects.equals(info.identity().deviceId(), deviceId)
                        && info.connectedAt().isBefore(rotatedAt)));
    }
}
