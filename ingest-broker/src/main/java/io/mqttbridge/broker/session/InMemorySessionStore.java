package io.mqttbridge.broker.session;

import io.mqttbridge.broker.spi.SessionSnapshot;
import io.mqttbridge.broker.spi.SessionSnapshot.PendingMessage;
import io.mqttbridge.broker.spi.SessionStore;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * Session state in a map: sessions survive a stop/start of a broker in the same JVM (tests, embedded
 * use) but not a process restart. All calls complete synchronously; they are serialised by the
 * store's lock, so one client's state and messages change atomically.
 */
public final class InMemorySessionStore implements SessionStore {

    /** A session's stored state ({@code null} until saved; its pending left empty) and its messages by sequence. */
    private static final class Stored {
        SessionSnapshot state;
        /* The node that saved it last ({@link #forNode}); null when saved through this store itself. */
        String node;
        final TreeMap<Long, PendingMessage> messages = new TreeMap<>();
        final TreeSet<Integer> inboundQos2 = new TreeSet<>();

        SessionSnapshot snapshot() {
            return state.withPending(List.copyOf(messages.values())).withInboundQos2(List.copyOf(inboundQos2));
        }
    }

    private final Map<String, Stored> sessions = new HashMap<>();

    @Override
    public synchronized CompletableFuture<Collection<SessionSnapshot>> loadAll() {
        List<SessionSnapshot> all = new ArrayList<>();
        for (String clientId : sessions.keySet()) {
            get(clientId).ifPresent(all::add);
        }
        return CompletableFuture.completedFuture(all);
    }

    @Override
    public CompletableFuture<Optional<SessionSnapshot>> load(String clientId) {
        return CompletableFuture.completedFuture(get(clientId));
    }

    @Override
    public CompletableFuture<Void> save(SessionSnapshot snapshot) {
        return save(snapshot, null);
    }

    private synchronized CompletableFuture<Void> save(SessionSnapshot snapshot, String node) {
        SessionSnapshot numbered = snapshot.withNumberedPending();
        Stored stored = new Stored();
        Stored previous = sessions.get(snapshot.clientId());
        if (previous != null) {
            // Written through only: a save leaves them as they are.
            stored.inboundQos2.addAll(previous.inboundQos2);
        }
        stored.state = numbered.withPending(List.of()).withInboundQos2(List.of());
        stored.node = node;
        for (PendingMessage message : numbered.pending()) {
            stored.messages.put(message.sequence(), message);
        }
        sessions.put(snapshot.clientId(), stored);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized CompletableFuture<Void> remove(String clientId) {
        sessions.remove(clientId);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized CompletableFuture<Void> append(String clientId, PendingMessage message) {
        if (message.sequence() <= 0) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("an appended message needs a sequence"));
        }
        sessions.computeIfAbsent(clientId, id -> new Stored()).messages.put(message.sequence(), message);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized CompletableFuture<Void> acknowledge(String clientId, long sequence) {
        Stored stored = sessions.get(clientId);
        if (stored != null) {
            stored.messages.remove(sequence);
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized CompletableFuture<Void> receivedQos2(String clientId, int packetId) {
        sessions.computeIfAbsent(clientId, id -> new Stored()).inboundQos2.add(packetId);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized CompletableFuture<Void> releasedQos2(String clientId, int packetId) {
        Stored stored = sessions.get(clientId);
        if (stored != null) {
            stored.inboundQos2.remove(packetId);
        }
        return CompletableFuture.completedFuture(null);
    }

    private synchronized CompletableFuture<Optional<SessionSnapshot>> loadToHold(String clientId, String node) {
        Stored stored = sessions.get(clientId);
        if (stored != null && stored.state != null) {
            stored.node = node;
        }
        return load(clientId);
    }

    @Override
    public synchronized CompletableFuture<List<ClientMessage>> takeSharedMessages(String node,
            java.util.Set<String> sharedGroups) {
        List<ClientMessage> taken = new ArrayList<>();
        for (String clientId : new TreeSet<>(sessions.keySet())) {
            Stored stored = sessions.get(clientId);
            if (stored.state == null || !node.equals(stored.node)) {
                continue;
            }
            for (var it = stored.messages.values().iterator(); it.hasNext(); ) {
                PendingMessage message = it.next();
                if (message.sharedGroup() != null && sharedGroups.contains(message.sharedGroup()) && !message.released()) {
                    it.remove();
                    taken.add(new ClientMessage(clientId, message));
                }
            }
        }
        return CompletableFuture.completedFuture(taken);
    }

    /**
     * This store as the node {@code nodeId} of a cluster uses it: what it saves or takes over
     * ({@link #loadToHold}) is owned by that node, for {@link #takeSharedMessages}. Nodes in one JVM
     * sharing one store, as nodes share one database.
     */
    public SessionStore forNode(String nodeId) {
        InMemorySessionStore store = this;
        return new SessionStore() {
            @Override
            public CompletableFuture<Collection<SessionSnapshot>> loadAll() {
                return store.loadAll();
            }

            @Override
            public CompletableFuture<Optional<SessionSnapshot>> load(String clientId) {
                return store.load(clientId);
            }

            @Override
            public CompletableFuture<Optional<SessionSnapshot>> loadToHold(String clientId) {
                return store.loadToHold(clientId, nodeId);
            }

            @Override
            public CompletableFuture<Void> save(SessionSnapshot snapshot) {
                return store.save(snapshot, nodeId);
            }

            @Override
            public CompletableFuture<Void> remove(String clientId) {
                return store.remove(clientId);
            }

            @Override
            public CompletableFuture<Void> append(String clientId, PendingMessage message) {
                return store.append(clientId, message);
            }

            @Override
            public CompletableFuture<Void> acknowledge(String clientId, long sequence) {
                return store.acknowledge(clientId, sequence);
            }

            @Override
            public CompletableFuture<Void> receivedQos2(String clientId, int packetId) {
                return store.receivedQos2(clientId, packetId);
            }

            @Override
            public CompletableFuture<Void> releasedQos2(String clientId, int packetId) {
                return store.releasedQos2(clientId, packetId);
            }

            @Override
            public CompletableFuture<List<ClientMessage>> takeSharedMessages(String node,
                    java.util.Set<String> sharedGroups) {
                return store.takeSharedMessages(node, sharedGroups);
            }
        };
    }

    /** The stored state of {@code clientId} with its messages, for tests and diagnostics. */
    public synchronized Optional<SessionSnapshot> get(String clientId) {
        Stored stored = sessions.get(clientId);
        return stored == null || stored.state == null ? Optional.empty() : Optional.of(stored.snapshot());
    }
}
