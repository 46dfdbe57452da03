package io.mqttbridge.kafka.cluster.internal;

import io.mqttbridge.broker.spi.ClusterFabric.ForwardedScope;
import io.mqttbridge.broker.spi.PublishedMessage;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dead nodes' inboxes, each read once for all the clients that resume on this node. The first
 * client's recovery opens a consumer on the inbox at the dead node's committed offsets and reads
 * the records for its non-shared subscriptions to the end as of then; every later client's reads
 * on from there to the end as of its own claim, and takes its share of the whole backlog
 * ({@link DeadInboxBacklog}). Reading only: no group join, no commit, so the dead node finds its
 * records again when it restarts.
 *
 * <p>Each client used to read the whole inbox with a consumer of its own (about half a second here
 * even for a small inbox), one after another on the recovery thread: the clients of a dead node
 * with thousands of them waited for hours to be readmitted.
 *
 * <p>An inbox unused for {@code idleTimeout}, or whose node died again as another instance, is
 * closed and forgotten with what it read.
 *
 * <p>Threading: the recovery thread only.
 */
final class DeadInboxCache implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DeadInboxCache.class);

    /**
     * What {@link #readToEnd} gives: the backlog read so far, the end offsets as of the call
     * (partition -> offset) and whether the read reached them.
     */
    record Read(DeadInboxBacklog backlog, Map<Integer, Long> endOffsets, boolean complete, long newRecords) {
    }

    private final Duration idleTimeout;
    private final Map<String, OpenInbox> inboxes = new HashMap<>();
    // Written on the recovery thread only; read by metrics and tests.
    private volatile long opened;

    DeadInboxCache(Duration idleTimeout) {
        this.idleTimeout = idleTimeout;
    }

    /**
     * Reads {@code dead}'s inbox on to its end as of now, for at most {@code timeout}.
     *
     * @param instance the dead node's last instance: a cached inbox of another instance is read again
     * @param consumerProperties byte-array deserializers, bootstrap servers and the dead node's inbox
     *     group as {@code group.id} (used to read its committed offsets only)
     */
    Read readToEnd(String dead, String instance, String inboxTopic, Supplier<Properties> consumerProperties,
            Duration timeout) {
        closeIdle();
        long deadline = System.nanoTime() + timeout.toNanos();
        OpenInbox inbox = inboxes.get(dead);
        if (inbox != null && !Objects.equals(inbox.instance, instance)) {
            inboxes.remove(dead).close();
            inbox = null;
        }
        if (inbox == null) {
            inbox = new OpenInbox(instance, new KafkaConsumer<>(consumerProperties.get()));
            inboxes.put(dead, inbox);
            opened++;
            try {
                inbox.open(inboxTopic, deadline);
            } catch (RuntimeException e) {
                inboxes.remove(dead).close();
                throw e;
            }
        }
        inbox.lastUsedNanos = System.nanoTime();
        return inbox.readToEnd(deadline);
    }

    /** Closes the inboxes no client asked for within the idle timeout. */
    void closeIdle() {
        long now = System.nanoTime();
        for (Iterator<OpenInbox> open = inboxes.values().iterator(); open.hasNext(); ) {
            OpenInbox inbox = open.next();
            if (now - inbox.lastUsedNanos > idleTimeout.toNanos()) {
                open.remove();
                inbox.close();
            }
        }
    }

    /** How many times a dead inbox was opened (once per dead instance while its clients keep resuming). */
    long opened() {
        return opened;
    }

    @Override
    public void close() {
        inboxes.values().forEach(OpenInbox::close);
        inboxes.clear();
    }

    /** One dead node's inbox: its consumer, assigned and positioned, and what it read so far. */
    private static final class OpenInbox {
        final String instance;
        final KafkaConsumer<byte[], byte[]> consumer;
        final DeadInboxBacklog backlog = new DeadInboxBacklog();
        Set<TopicPartition> partitions = Set.of();
        long lastUsedNanos = System.nanoTime();

        OpenInbox(String instance, KafkaConsumer<byte[], byte[]> consumer) {
            this.instance = instance;
            this.consumer = consumer;
        }

        void open(String inboxTopic, long deadline) {
            partitions = DeadInboxReader.assignAtCommittedOffsets(consumer, inboxTopic, deadline);
        }

        Read readToEnd(long deadline) {
            Map<Integer, Long> endOffsets = new HashMap<>();
            long[] records = {0};
            boolean complete = DeadInboxReader.pollToEnd(consumer, partitions, deadline, endOffsets, record -> {
                records[0]++;
                ForwardedScope scope = DeadInboxReader.parsedOrSkipped(record, InboxRecords::scope);
                PublishedMessage message = scope == null || !scope.nonShared()
                        ? null : DeadInboxReader.parsedOrSkipped(record, InboxRecords::message);
                if (message != null) {
                    backlog.add(message, record.partition(), record.offset());
                }
            });
            return new Read(backlog, endOffsets, complete, records[0]);
        }

        void close() {
            try {
                consumer.close(Duration.ofSeconds(1));
            } catch (RuntimeException e) {
                LOG.debug("cluster: closing a dead inbox's consumer failed: {}", e.toString());
            }
        }
    }
}
