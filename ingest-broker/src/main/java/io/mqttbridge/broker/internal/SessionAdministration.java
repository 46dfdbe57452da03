package io.mqttbridge.broker.internal;

import io.mqttbridge.broker.connection.ClientConnection;
import io.mqttbridge.broker.session.DeliveryState;
import io.mqttbridge.broker.session.IdentityChanges;
import io.mqttbridge.broker.session.Session;
import io.mqttbridge.broker.session.SessionManager;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.ConnectionInfo;
import io.mqttbridge.broker.spi.DeviceIdentity;
import io.mqttbridge.broker.spi.DisconnectInfo;
import io.mqttbridge.broker.spi.MqttReasonCode;
import io.mqttbridge.broker.spi.SessionListener;
import io.mqttbridge.broker.sys.SysTopics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * What an operator sees of and does to this node's sessions and connections, behind the broker's
 * live-state and administration methods (the REST API's): the connected clients, what waits in a
 * session, disconnecting a client, authorizing a device's sessions again
 * and ending them. Apart from {@code MqttBroker} because none of it is part of running the broker:
 * it only reads and acts on the sessions the {@link SessionManager} holds.
 *
 * <p>Threading: every method is safe from any thread and does not block; work on a session's state
 * runs on the session's executor.
 */
public final class SessionAdministration {

    private static final Logger LOG = LoggerFactory.getLogger(SessionAdministration.class);

    private final SessionManager sessions;
    private final SessionListener listener;

    /* The authorizer of the latest reauthorize call: a connection that missed such a change gets it too. */
    private volatile Authorizer reauthorizedWith;

    /** @param listener hears of subscriptions a new authorization removed */
    public SessionAdministration(SessionManager sessions, SessionListener listener) {
        this.sessions = sessions;
        this.listener = listener;
        sessions.identityChanges().bind(new IdentityChanges.Reapply() {
            @Override
            public void revoke(String identity) {
                endSessionsOf(identity);
            }

            @Override
            public void reauthorize(String identity) {
                Authorizer authorizer = reauthorizedWith;
                if (authorizer != null) {
                    SessionAdministration.this.reauthorize(identity, authorizer);
                }
            }

            @Override
            public void disconnectAt(ConnectionInfo info, Instant at) {
                long delayMillis = Math.max(0, at.toEpochMilli() - System.currentTimeMillis());
                CompletableFuture.delayedExecutor(delayMillis, TimeUnit.MILLISECONDS).execute(() ->
                        disconnectIf(connected -> connected.connectionId().equals(info.connectionId())));
            }
        });
    }

    /** The connections currently attached to a session, sorted by client id. */
    public List<ConnectionInfo> connectedClients() {
        List<ConnectionInfo> result = new ArrayList<>();
        for (Session session : sessions.all()) {
            ClientConnection connection = session.connection();
            if (connection != null && connection.info() != null) {
                result.add(connection.info());
            }
        }
        result.sort(Comparator.comparing(ConnectionInfo::clientId));
        return result;
    }

    /** The connection of {@code clientId}, if that client is connected now. */
    public Optional<ConnectionInfo> connection(String clientId) {
        Session session = sessions.get(clientId);
        ClientConnection connection = session == null ? null : session.connection();
        return Optional.ofNullable(connection == null ? null : connection.info());
    }

    /** What waits for {@code clientId} in its session (connected or not); empty if there is no session. */
    public Optional<DeliveryState> deliveryState(String clientId) {
        Session session = sessions.get(clientId);
        return Optional.ofNullable(session == null ? null : session.deliveryState());
    }

    /** Disconnects {@code clientId} (0x98), leaving its session to its expiry. @return whether it was connected */
    public boolean disconnect(String clientId) {
        Session session = sessions.get(clientId);
        ClientConnection connection = session == null ? null : session.connection();
        if (connection == null) {
            return false;
        }
        connection.disconnect(MqttReasonCode.ADMINISTRATIVE_ACTION, DisconnectInfo.ADMINISTRATIVE_ACTION);
        return true;
    }

    /**
     * Authorizes every session {@code deviceId} owns here again (the contract is
     * {@code MqttBroker.reauthorize}'s). A session without a connection is authorized as the device
     * itself; a failed authorization leaves the session's permissions as they were.
     *
     * @return completes with the number of subscriptions removed
     */
    public CompletableFuture<Integer> reauthorize(String deviceId, Authorizer authorizer) {
        reauthorizedWith = authorizer;
        sessions.identityChanges().reauthorized(deviceId);
        List<CompletableFuture<Integer>> done = new ArrayList<>();
        for (Session session : sessions.all()) {
            if (!deviceId.equals(session.owner())) {
                continue;
            }
            ClientConnection connection = session.connection();
            ConnectionInfo info = connection == null ? null : connection.info();
            DeviceIdentity identity = info != null ? info.identity()
                    : new DeviceIdentity(deviceId, deviceId, session.clientId(), List.of());
            CompletableFuture<Integer> removed = new CompletableFuture<>();
            done.add(removed);
            authorizer.permissionsFor(identity).thenApply(SysTopics::withoutPublishing).whenComplete((permissions, error) -> {
                if (error != null) {
                    LOG.warn("could not authorize device {} again; its sessions keep their permissions", deviceId, error);
                    removed.complete(0);
                    return;
                }
                session.execute(() -> {
                    ClientConnection current = session.connection();
                    if (current != null) {
                        current.setPermissions(permissions);
                    }
                    List<String> filters = session.applyPermissions(permissions);
                    if (!filters.isEmpty() && current != null && current.info() != null) {
                        listener.onUnsubscribed(current.info(), filters);
                    }
                    removed.complete(filters.size());
                });
            });
        }
        return CompletableFuture.allOf(done.toArray(CompletableFuture[]::new))
                .thenApply(ignored -> done.stream().mapToInt(CompletableFuture::join).sum());
    }

    /** Disconnects {@code deviceId}'s connections, then ends its sessions here. @return how many of both */
    public int endSessionsOf(String deviceId) {
        sessions.identityChanges().revoked(deviceId);
        int count = disconnectIf(info -> info.identity() != null && deviceId.equals(info.identity().deviceId()));
        for (Session session : sessions.all()) {
            if (deviceId.equals(session.owner())) {
                session.endFromOutside(MqttReasonCode.ADMINISTRATIVE_ACTION, DisconnectInfo.ADMINISTRATIVE_ACTION);
                count++;
            }
        }
        return count;
    }

    /**
     * Ends the session of {@code clientId} on this node, connected or not (a connection gets MQTT 5
     * DISCONNECT 0x98), with its subscriptions and queued messages.
     *
     * @return whether there was one
     */
    public boolean endSession(String clientId) {
        Session session = sessions.get(clientId);
        if (session == null) {
            return false;
        }
        session.endFromOutside(MqttReasonCode.ADMINISTRATIVE_ACTION, DisconnectInfo.ADMINISTRATIVE_ACTION);
        return true;
    }

    /** The identities ({@code DeviceIdentity.deviceId}) owning sessions on this node, connected or not. */
    public Set<String> sessionOwners() {
        Set<String> owners = new HashSet<>();
        for (Session session : sessions.all()) {
            if (session.owner() != null) {
                owners.add(session.owner());
            }
        }
        return owners;
    }

    /** Disconnects every connected client matching {@code condition} (0x98). @return how many */
    public int disconnectIf(Predicate<ConnectionInfo> condition) {
        int count = 0;
        for (ConnectionInfo info : connectedClients()) {
            if (condition.test(info) && disconnect(info.clientId())) {
                count++;
            }
        }
        return count;
    }
}
