package io.mqttbridge.api.runtime;

import io.mqttbridge.broker.MqttBroker;
import io.mqttbridge.db.registry.DeviceChange;
import io.mqttbridge.db.registry.DeviceChangeListener;
import io.mqttbridge.db.registry.DeviceRegistry;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies device changes announced by PostgreSQL (from any node) to this node's registry cache and
 * broker: a deleted or disabled device loses its sessions and connections (MQTT 5: DISCONNECT
 * 0x98); changed rules or a re-enabled device are authorized again (subscriptions no longer allowed
 * are removed, connected or offline); after a credential change, connections authenticated before
 * it end when the old credential does (at once when it was removed, at the end of a rotation's grace
 * period otherwise). The node that served the REST call applies the change at once itself as well
 * ({@code RuntimeDeviceChanges}); doing it twice changes nothing.
 *
 * <p>Threading: called on the listener's thread; the broker's methods hand the work to the sessions'
 * event loops and never block it.
 */
final class NotifiedDeviceChanges implements DeviceChangeListener.Handler {

    private static final Logger LOG = LoggerFactory.getLogger(NotifiedDeviceChanges.class);

    private final DeviceRegistry registry;
    private final MqttBroker broker;

    NotifiedDeviceChanges(DeviceRegistry registry, MqttBroker broker) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.broker = Objects.requireNonNull(broker, "broker");
    }

    @Override
    public void onChange(DeviceChange change) {
        String deviceId = change.deviceId();
        registry.invalidate(deviceId);
        switch (change.kind()) {
            case DELETED, DISABLED -> {
                int ended = broker.endSessionsOf(deviceId);
                if (ended > 0) {
                    LOG.info("Device {} {}: ended {} sessions and connections on this node", deviceId,
                            change.kind().toString().toLowerCase(), ended);
                }
            }
            case ENABLED, ACL -> broker.reauthorize(deviceId, registry);
            case CREDENTIALS -> {
                if (change.until() != null) {
                    endConnectionsAuthenticatedBefore(deviceId, change.at(), change.until());
                }
            }
        }
    }

    private void endConnectionsAuthenticatedBefore(String deviceId, Instant changedAt, Instant until) {
        // A CONNECT authenticating now may have read the old credentials: it ends at the same time.
        broker.identityChanges().credentialsChanged(deviceId, until);
        long delayMillis = Math.max(0, until.toEpochMilli() - System.currentTimeMillis());
        Runnable end = () -> broker.disconnectIf(info -> info.identity() != null
                && deviceId.equals(info.identity().deviceId()) && info.connectedAt().isBefore(changedAt));
        if (delayMillis == 0) {
            end.run();
        } else {
            CompletableFuture.delayedExecutor(delayMillis, TimeUnit.MILLISECONDS).execute(end);
        }
    }

    /**
     * After the listener was deaf for a while (and once at start): every registry device with sessions
     * here is checked against the database: ended when disabled, authorized again otherwise.
     * Identities the registry does not know are left alone here: they may come from another method
     * (configuration file, token, certificate); deletions and credential changes come from the
     * database's log through {@link #replay}.
     */
    @Override
    public void reconcile() {
        registry.invalidateAll();
        for (String deviceId : broker.sessionOwners()) {
            registry.enabled(deviceId).whenComplete((enabled, error) -> {
                if (error != null) {
                    LOG.warn("Could not reconcile the sessions of device {}", deviceId, error);
                } else if (enabled.isEmpty()) {
                    return;
                } else if (enabled.get()) {
                    broker.reauthorize(deviceId, registry);
                } else {
                    broker.endSessionsOf(deviceId);
                }
            });
        }
    }

    /**
     * The deletions and credential changes logged while the listener was deaf (and a little before):
     * a deleted device that still has sessions here and is still not in the registry loses them
     * (identities of another method are never in the registry, but a deletion in the log names a
     * device that was); connections authenticated before a credential change end when it says,
     * as {@link #onChange} does. Both are harmless when they were applied already.
     */
    @Override
    public void replay(List<DeviceChange> missed) {
        Set<String> owners = broker.sessionOwners();
        for (DeviceChange change : missed) {
            String deviceId = change.deviceId();
            if (change.kind() == DeviceChange.Kind.DELETED && owners.contains(deviceId)) {
                registry.enabled(deviceId).whenComplete((enabled, error) -> {
                    if (error != null) {
                        LOG.warn("Could not check the missed deletion of device {}", deviceId, error);
                    } else if (enabled.isEmpty()) {
                        int ended = broker.endSessionsOf(deviceId);
                        LOG.info("Device {} was deleted while this node was not listening: ended {} sessions and"
                                + " connections", deviceId, ended);
                    }
                });
            } else if (change.kind() == DeviceChange.Kind.CREDENTIALS && change.until() != null) {
                endConnectionsAuthenticatedBefore(deviceId, change.at(), change.until());
            }
        }
    }
}
