package io.mqttbridge.broker.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.netty.RoutedMessage;
import io.mqttbridge.broker.spi.MqttVersion;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.topic.TopicTree;
import io.netty.util.concurrent.DefaultEventExecutor;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What is routed to a session while it is recovered from a dead node waits, and follows the
 * recovered messages in its order; the publishers are told it was handled only then.
 */
class RecoveryHoldsTest {

    private static final int[] NO_IDS = new int[0];

    private final DefaultEventExecutor loop = new DefaultEventExecutor();
    private final SessionManager manager = new SessionManager(new TopicTree<>(), new InMemorySessionStore(),
            new BrokerMetrics(new MetricRegistry(), () -> 0, () -> 0), new BrokerConfig());
    private final Session session = new Session("resuming", manager, loop);
    private final RecoveryHolds holds = manager.recoveryHolds();
    private final AtomicInteger handled = new AtomicInteger();

    @AfterEach
    void stop() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    @Test
    void whatReachesASessionDuringItsRecoveryFollowsTheRecoveredMessagesInItsOrder() throws Exception {
        RecoveryHolds.Hold hold = holds.open(session);
        session.deliver(message("live-1"), 1, false, NO_IDS, handled::incrementAndGet);
        session.deliver(message("live-2"), 1, false, NO_IDS, handled::incrementAndGet);
        RecoveryHolds.deliverRecovered(session, message("old-1"), 1, false, NO_IDS, null);
        RecoveryHolds.deliverRecovered(session, message("old-2"), 1, false, NO_IDS, null);

        assertThat(inSession(() -> holds.waiting(session))).extracting(PublishedMessage::topic)
                .containsExactly("live-1", "live-2");
        assertThat(queuedTopics()).containsExactly("old-1", "old-2");
        assertThat(handled).as("no publisher is told it was handled before it is queued").hasValue(0);

        inSession(() -> {
            holds.close(session, hold);
            return null;
        });
        assertThat(queuedTopics()).containsExactly("old-1", "old-2", "live-1", "live-2");
        assertThat(handled).hasValue(2);
        assertThat(holds.anyOpen()).isFalse();
    }

    @Test
    void twoRecoveriesOfOneSessionReleaseWhatWaitsWhenTheLastEnds() throws Exception {
        RecoveryHolds.Hold first = holds.open(session);
        RecoveryHolds.Hold second = holds.open(session);
        session.deliver(message("live-1"), 1, false, NO_IDS, handled::incrementAndGet);

        inSession(() -> {
            holds.close(session, first);
            holds.close(session, first);
            return null;
        });
        assertThat(queuedTopics()).isEmpty();
        inSession(() -> {
            holds.close(session, second);
            return null;
        });
        assertThat(queuedTopics()).containsExactly("live-1");
    }

    @Test
    void aSessionNotRecoveredTakesItsMessagesAtOnce() throws Exception {
        Session other = new Session("other", manager, loop);
        holds.open(other);
        session.deliver(message("live-1"), 1, false, NO_IDS, handled::incrementAndGet);

        assertThat(queuedTopics()).containsExactly("live-1");
        assertThat(handled).hasValue(1);
    }

    private List<String> queuedTopics() throws Exception {
        return inSession(() -> session.snapshot().pending().stream()
                .map(pending -> pending.message().topic()).toList());
    }

    /** Runs {@code task} in a task of the session, after those queued before it. */
    private <T> T inSession(Supplier<T> task) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        session.execute(() -> result.complete(task.get()));
        return result.get(5, TimeUnit.SECONDS);
    }

    private static RoutedMessage message(String topic) {
        return RoutedMessage.of(new PublishedMessage(topic, new byte[] {1}, 1, false, "publisher", null,
                MqttVersion.MQTT_3_1_1, Instant.now(), null));
    }
}
