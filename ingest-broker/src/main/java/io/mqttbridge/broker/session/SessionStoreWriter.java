package io.mqttbridge.broker.session;

import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.spi.SessionSnapshot;
import io.mqttbridge.broker.spi.SessionStore;
import io.mqttbridge.broker.spi.WriteSpan;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The writes of this node's sessions to the {@link SessionStore}, each with its failure counted and
 * logged. Sessions write through without waiting for most writes (a failed one is not retried: the
 * next snapshot restates the state); the writes a caller must wait for return the store's future.
 *
 * <p>Threading: stateless, callable from any thread (the sessions' tasks and the log of a
 * connection's inbound QoS 2 flows on its event loop); the store's futures complete on its threads.
 */
final class SessionStoreWriter {

    private static final Logger LOG = LoggerFactory.getLogger(SessionStoreWriter.class);

    private final SessionStore store;
    private final BrokerMetrics metrics;

    SessionStoreWriter(SessionStore store, BrokerMetrics metrics) {
        this.store = store;
        this.metrics = metrics;
    }

    /** Saves {@code snapshot} without waiting for it. */
    void save(SessionSnapshot snapshot) {
        store.save(snapshot).whenComplete((ignored, error) -> logFailure(error, snapshot.clientId()));
    }

    /** Saves {@code snapshot}; completes once the store has it (or failed). */
    CompletableFuture<Void> saveNow(SessionSnapshot snapshot) {
        return store.save(snapshot).whenComplete((ignored, error) -> logFailure(error, snapshot.clientId()));
    }

    /** Removes the stored session of {@code clientId} (it ended) without waiting for it. */
    void remove(String clientId) {
        store.remove(clientId).whenComplete((ignored, error) -> logFailure(error, clientId));
    }

    /**
     * The log through which {@code clientId}'s outbound QoS 1/2 messages are written through while
     * its session is persistent.
     */
    MessageLog messageLog(String clientId) {
        return new MessageLog() {
            @Override
            public CompletableFuture<Void> append(SessionSnapshot.PendingMessage message) {
                return SessionStoreWriter.this.append(clientId, message);
            }

            @Override
            public void acknowledge(long sequence) {
                SessionStoreWriter.this.acknowledge(clientId, sequence);
            }
        };
    }

    CompletableFuture<Void> append(String clientId, SessionSnapshot.PendingMessage message) {
        CompletableFuture<Void> stored = store.append(clientId, message);
        stored.whenComplete((ignored, error) -> logFailure(error, clientId));
        return stored;
    }

    /** See {@link SessionStore#loadMessages}; a failure is logged and counted, and the caller tries again. */
    CompletableFuture<List<SessionSnapshot.PendingMessage>> loadMessages(String clientId, long from, long to) {
        CompletableFuture<List<SessionSnapshot.PendingMessage>> read = store.loadMessages(clientId, from, to);
        read.whenComplete((ignored, error) -> logFailure(error, clientId));
        return read;
    }

    CompletableFuture<Void> sendingQos2(String clientId, int packetId, Instant receivedAt) {
        CompletableFuture<Void> stored = store.sendingQos2(clientId, packetId, receivedAt);
        stored.whenComplete((ignored, error) -> logFailure(error, clientId));
        return stored;
    }

    CompletableFuture<Void> receivedQos2(String clientId, int packetId) {
        CompletableFuture<Void> stored = store.receivedQos2(clientId, packetId);
        stored.whenComplete((ignored, error) -> logFailure(error, clientId));
        return stored;
    }

    WriteSpan openSpan() {
        return store.openSpan();
    }

    CompletableFuture<Void> releasedQos2(String clientId, int packetId) {
        CompletableFuture<Void> forgotten = store.releasedQos2(clientId, packetId);
        forgotten.whenComplete((ignored, error) -> logFailure(error, clientId));
        return forgotten;
    }

    void acknowledge(String clientId, long sequence) {
        store.acknowledge(clientId, sequence).whenComplete((ignored, error) -> logFailure(error, clientId));
    }

    private void logFailure(Throwable error, String clientId) {
        if (error != null) {
            metrics.storeFailure();
            LOG.warn("session store failed for client {}", clientId, error);
        }
    }
}
