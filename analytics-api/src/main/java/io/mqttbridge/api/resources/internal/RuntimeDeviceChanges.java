package io.mqttbridge.api.resources.internal;

import io.mqttbridge.api.resources.DeviceChanges;
import io.mqttbridge.broker.MqttBroker;
import io.mqttbridge.db.registry.DeviceRegistry;

import java.util.Objects;

/**
 * {@link DeviceChanges} on this process's device registry cache and broker; either may be absent
 * ({@code null}) when the process does not run that role. Connections on other nodes are not
 * reached: they see the change at their next connect (their caches expire on their own).
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
        }
    }

    @Override
    public int revoked(String deviceId) {
        changed(deviceId);
        if (broker == null) {
            return 0;
        }
        return broker.disconnectIf(info -> info.identity() != null
                && Objects.equals(info.identity().deviceId(), deviceId));
    }
}
