package io.mqttbridge.broker.session;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.netty.RoutedMessage;
import io.mqttbridge.broker.spi.MqttVersion;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.topic.TopicTree;
import io.netty.util.concurrent.ImmediateEventExecutor;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A session creates its outbound flows and its subscription map only when it first needs them (an
 * idle connection's memory), and behaves as if it always had them. The session's tasks run at once
 * (the executor runs everything in the caller).
 */
class SessionLazyPartsTest {

    private final InMemorySessionStore store = new InMemorySessionStore();
    private final SessionManager manager = new SessionManager(new TopicTree<>(), store,
            new BrokerMetrics(new MetricRegistry(), () -> 0, () -> 0), new BrokerConfig());
    private final Session session = new Session("client-1", manager, ImmediateEventExecutor.INSTANCE);

    @Test
    void aSessionThatNeverGotAMessageOrASubscriptionHasNeitherAndReportsNothingWaiting() {
        assertThat(session.outboundIfAny()).isNull();
        assertThat(session.deliveryState()).isEqualTo(new DeliveryState(0, 0, 0, 0));
        assertThat(session.pendingCount()).isZero();
        assertThat(session.subscriptions()).isEmpty();
        assertThat(session.subscribes("a/#")).isFalse();
        assertThat(session.unsubscribe("a/#")).isFalse();
        assertThat(session.snapshot().pending()).isEmpty();
        session.clearSubscriptions();
        assertThat(session.outboundIfAny()).as("asking what waits creates nothing").isNull();
    }

    @Test
    void theFirstMessageOfAPersistentSessionCreatesTheFlowsAndIsWrittenThrough() {
        session.setSessionExpirySeconds(60);
        session.saveIfPersistent(60).join();
        session.setPersistent(true);
        assertThat(session.outboundIfAny()).isNull();

        session.deliver(message("jobs/1"), 1, false, new int[0], () -> { });

        assertThat(session.outboundIfAny()).isNotNull();
        assertThat(session.deliveryState().queuedMessages()).isEqualTo(1);
        assertThat(store.get("client-1").orElseThrow().pending())
                .extracting(pending -> pending.message().topic()).containsExactly("jobs/1");
    }

    @Test
    void aCleanSessionsFirstMessageIsQueuedWithoutTheStore() {
        session.deliver(message("jobs/1"), 1, false, new int[0], () -> { });

        assertThat(session.deliveryState().queuedMessages()).isEqualTo(1);
        assertThat(store.get("client-1")).isEmpty();
    }

    @Test
    void theFirstSubscriptionCreatesTheMapAndLaterOnesShareIt() {
        Subscriptions.ParsedFilter parsed = Subscriptions.parse("a/#");
        session.subscribe(new Subscription(session, "a/#", parsed.filter(), null, 1, false, false, 0, 0));
        Subscriptions.ParsedFilter other = Subscriptions.parse("b/+");
        session.subscribe(new Subscription(session, "b/+", other.filter(), null, 0, false, false, 0, 0));

        assertThat(session.subscriptions()).extracting(Subscription::topicFilter).containsExactlyInAnyOrder("a/#", "b/+");
        assertThat(session.unsubscribe("a/#")).isTrue();
        assertThat(session.subscribes("b/+")).isTrue();
        assertThat(session.outboundIfAny()).as("subscribing creates no flows").isNull();
    }

    private static RoutedMessage message(String topic) {
        return RoutedMessage.of(new PublishedMessage(topic, new byte[] {1}, 1, false, "publisher", null,
                MqttVersion.MQTT_3_1_1, Instant.now(), null));
    }
}
