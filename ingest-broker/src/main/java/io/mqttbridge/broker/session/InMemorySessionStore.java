package io.mqttbridge.broker.session;

import io.mqttbridge.broker.spi.SessionSnapshot;
import io.mqttbridge.broker.spi.SessionSnapshot.InDoubtQos2;
import io.mqttbridge.broker.spi.SessionSnapshot.PendingMessage;
import io.mqttbridge.broker.spi.SessionStore;

import java.time.Instant;
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
        final TreeMap<Integer, Instant> inboundQos2InDoubt = new TreeMap<>();

        SessionSnapshot snapshot() {
            List<InDoubtQos2> inDoubt = new ArrayList<>();
            inboundQos2InDoubt.forEach((packetId, receivedAt) -> inDoubt.add(new InDoubtQos2(packetId, receivedAt)));
            return state.withPending(List.copyOf(messages.values())).withInboundQos2(List.copyOf(inboundQos2))
                    .withInboundQos2InDoubt(inDoubt);
        }
    }

    /** A message taken out of a dead node's session, kept until the round that holds it forgets it. */
    private record Recovering(String node, String round, ClientMessage message) {
    }

    private final Map<String, Stored> sessions = new HashMap<>();
    private final List<Recovering> recovering = new ArrayList<>();

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
            stored.inboundQos2InDoubt.putAll(previous.inboundQos2InDoubt);
        }
        stored.state = numbered.withPending(List.of()).withInboundQos2(List.of()).withInboundQos2InDoubt(List.of())
                .withStoredOnlyFrom(0);
        stored.node = node;
        if (previous != null && snapshot.storedOnlyFrom() > 0) {
            // The session holds these here alone: the save keeps them.
            stored.messages.putAll(previous.messages.tailMap(snapshot.storedOnlyFrom(), true));
        }
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
    public synchronized CompletableFuture<List<PendingMessage>> loadMessages(String clientId, long fromSequence,
                                                                            long toSequence) {
        Stored stored = sessions.get(clientId);
        return CompletableFuture.completedFuture(stored == null || fromSequence > toSequence ? List.of()
                : List.copyOf(stored.messages.subMap(fromSequence, true, toSequence, true).values()));
    }

    @Override
    public synchronized CompletableFuture<Void> sendingQos2(String clientId, int packetId, Instant receivedAt) {
        Stored stored = sessions.computeIfAbsent(clientId, id -> new Stored());
        stored.inboundQos2.remove(packetId);
        stored.inboundQos2InDoubt.put(packetId, receivedAt);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized CompletableFuture<Void> receivedQos2(String clientId, int packetId) {
        Stored stored = sessions.computeIfAbsent(clientId, id -> new Stored());
        stored.inboundQos2InDoubt.remove(packetId);
        stored.inboundQos2.add(packetId);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized CompletableFuture<Void> releasedQos2(String clientId, int packetId) {
        Stored stored = sessions.get(clientId);
        if (stored != null) {
            stored.inboundQos2.remove(packetId);
            stored.inboundQos2InDoubt.remove(packetId);
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
            java.util.Set<String> sharedGroups, String round) {
        for (String clientId : new TreeSet<>(sessions.keySet())) {
            Stored stored = sessions.get(clientId);
            if (stored.state == null || !node.equals(stored.node)) {
                continue;
            }
            for (var it = stored.messages.values().iterator(); it.hasNext(); ) {
                PendingMessage message = it.next();
                if (message.sharedGroup() != null && sharedGroups.contains(message.sharedGroup()) && !message.released()) {
                    it.remove();
                    recovering.add(new Recovering(node, round, new ClientMessage(clientId, message)));
                }
            }
        }
        List<ClientMessage> taken = new ArrayList<>();
        for (var it = recovering.listIterator(); it.hasNext(); ) {
            Recovering message = it.next();
            if (message.node().equals(node)) {
                it.set(new Recovering(node, round, message.message()));
                taken.add(message.message());
            }
        }
        taken.sort(java.util.Comparator.comparing(ClientMessage::clientId)
                .thenComparingLong(message -> message.message().sequence()));
        return CompletableFuture.completedFuture(taken);
    }

    @Override
    public synchronized CompletableFuture<Void> forgetRecovered(String node, String round) {
        recovering.removeIf(message -> message.node().equals(node) && message.round().equals(round));
        return CompletableFuture.completedFuture(null);
    }

    /** The messages taken for {@code node} and not forgotten yet, for tests and diagnostics. */
    public synchronized List<ClientMessage> recovering(String node) {
        return recovering.stream().filter(message -> message.node().equals(node)).map(Recovering::message).toList();
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
            public CompletableFuture<List<PendingMessage>> loadMessages(String clientId, long fromSequence,
                                                                        long toSequence) {
                return store.loadMessages(clientId, fromSequence, toSequence);
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
                    java.util.Set<String> sharedGroups, String round) {
                return store.takeSharedMessages(node, sharedGroups, round);
            }

            @Override
            public CompletableFuture<Void> forgetRecovered(String node, String round) {
                return store.forgetRecovered(node, round);
            }
        };
    }

    /** The stored state of {@code clientId} with its messages, for tests and diagnostics. */
    public synchronized Optional<SessionSnapshot> get(String clientId) {
        Stored stored = sessions.get(clientId);
        return stored == null || stored.state == null ? Optional.empty() : Optional.of(stored.snapshot());
    }
}
