package io.mqttbridge.broker.session;

import io.mqttbridge.broker.spi.SessionStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Messages a session got through a shared subscription ({@code $share/g/f}) and can no longer
 * deliver for sure: the session ended or left the group here, or it was a dead node's. A shared
 * subscription promises the group each message, not this member, so they go to another member.
 *
 * <p>Threading: {@link #redistribute} runs on the executor of the session that had the messages;
 * the handler is set once by the broker before it accepts connections; {@link #takeOfDeadNode} from
 * any thread.
 */
final class SharedGroupOrphans {

    private static final Logger LOG = LoggerFactory.getLogger(SharedGroupOrphans.class);

    private final SessionStore store;
    private volatile Consumer<List<SharedMessage>> handler = orphans -> { };

    SharedGroupOrphans(SessionStore store) {
        this.store = store;
    }

    /** Where the orphans go (to another member of their group). */
    void handleWith(Consumer<List<SharedMessage>> handler) {
        this.handler = handler;
    }

    /** Gives {@code orphans} (already out of their session's tree entries) to other members. */
    void redistribute(List<SharedMessage> orphans) {
        try {
            handler.accept(orphans);
        } catch (RuntimeException e) {
            LOG.warn("could not give {} shared-subscription messages to other members", orphans.size(), e);
        }
    }

    /**
     * Takes out of the stored sessions of {@code node} (a dead node of the cluster) the messages of
     * {@code sharedGroups} they had not delivered for sure, kept by the store for {@code round}
     * until {@link #forgetRecovered}, with those earlier rounds left (see
     * {@link SessionStore#takeSharedMessages}).
     */
    CompletableFuture<List<SharedMessage>> takeOfDeadNode(String node, Set<String> sharedGroups, String round) {
        return store.takeSharedMessages(node, sharedGroups, round).thenApply(taken -> taken.stream()
                .map(stored -> new SharedMessage(stored.message().message(), stored.message().sharedGroup()))
                .toList());
    }

    /** What {@link #takeOfDeadNode} returned for {@code round} was handed over ({@link SessionStore#forgetRecovered}). */
    CompletableFuture<Void> forgetRecovered(String node, String round) {
        return store.forgetRecovered(node, round);
    }
}
