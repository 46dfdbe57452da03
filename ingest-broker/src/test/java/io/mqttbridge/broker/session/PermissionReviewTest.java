package io.mqttbridge.broker.session;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.spi.DeliveryFilter;
import io.mqttbridge.broker.spi.SessionSnapshot;
import io.mqttbridge.broker.spi.TopicPermissions;
import io.mqttbridge.broker.topic.TopicTree;
import io.netty.util.concurrent.ImmediateEventExecutor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** The session's tasks are run by the test itself: the session's executor runs everything at once. */
class PermissionReviewTest {

    private static final DeliveryFilter NOT_SECRET = topicName -> !topicName.endsWith("/secret");

    private final TopicTree<Subscription> tree = new TopicTree<>();
    private final InMemorySessionStore store = new InMemorySessionStore();
    private final SessionManager manager = new SessionManager(tree, store,
            new BrokerMetrics(new MetricRegistry(), () -> 0, () -> 0), new BrokerConfig());
    private final Session session = new Session("client-1", manager, ImmediateEventExecutor.INSTANCE);

    /** Denies {@code denied/#}, hides the secret topics of {@code partial/#}, allows the rest. */
    private final TopicPermissions changedRules = new TopicPermissions() {
        @Override
        public boolean mayPublish(String topicName) {
            return true;
        }

        @Override
        public boolean maySubscribe(String topicFilter) {
            return !topicFilter.startsWith("denied/");
        }

        @Override
        public DeliveryFilter subscriptionFilter(String topicFilter) {
            if (!maySubscribe(topicFilter)) {
                return null;
            }
            return topicFilter.startsWith("partial/") ? NOT_SECRET : DeliveryFilter.ALL;
        }
    };

    private void subscribe(String topicFilter) {
        Subscriptions.ParsedFilter parsed = Subscriptions.parse(topicFilter);
        session.subscribe(new Subscription(session, topicFilter, parsed.filter(), parsed.shareGroup(), 1, false, false,
                0, 0));
    }

    /** The non-shared subscriptions the topic tree matches for {@code topicName}. */
    private List<Subscription> matching(String topicName) {
        List<Subscription> matched = new ArrayList<>();
        tree.match(topicName, new TopicTree.Visitor<>() {
            @Override
            public void subscription(Subscription subscription) {
                matched.add(subscription);
            }

            @Override
            public void sharedGroup(TopicTree.SharedGroup<Subscription> group) {
            }
        });
        return matched;
    }

    @Test
    void aSessionWithoutSubscriptionsHasNothingToDecide() {
        assertThat(PermissionReview.apply(session, TopicPermissions.DENY_ALL)).isEmpty();
    }

    @Test
    void aSubscriptionNoLongerAllowedIsRemovedAndTheOthersGetTheFilterTheRulesNowGive() {
        subscribe("denied/#");
        subscribe("partial/#");
        subscribe("$share/group/open/#");

        List<String> removed = PermissionReview.apply(session, changedRules);

        assertThat(removed).containsExactly("denied/#");
        Map<String, DeliveryFilter> filters = session.subscriptions().stream()
                .collect(Collectors.toMap(Subscription::topicFilter, Subscription::deliveryFilter));
        assertThat(filters).containsOnlyKeys("partial/#", "$share/group/open/#");
        assertThat(filters.get("partial/#")).isSameAs(NOT_SECRET);
        assertThat(filters.get("$share/group/open/#")).isSameAs(DeliveryFilter.ALL);
        assertThat(matching("denied/x")).isEmpty();
        assertThat(matching("partial/x")).extracting(Subscription::deliveryFilter).containsExactly(NOT_SECRET);
    }

    @Test
    void aPersistentSessionThatLostASubscriptionIsSavedWithoutIt() {
        session.setSessionExpirySeconds(60);
        subscribe("denied/#");
        subscribe("partial/#");

        PermissionReview.apply(session, changedRules);

        Optional<SessionSnapshot> saved = store.load("client-1").join();
        assertThat(saved).isPresent();
        assertThat(saved.get().subscriptions()).extracting(SessionSnapshot.StoredSubscription::topicFilter)
                .containsExactly("partial/#");
    }

    @Test
    void aCleanSessionIsNotSavedWhenItLosesASubscription() {
        subscribe("denied/#");

        PermissionReview.apply(session, changedRules);

        assertThat(store.load("client-1").join()).isEmpty();
    }
}
