package io.mqttbridge.broker.handler.subscribe;

import io.mqttbridge.broker.netty.RoutedMessage;
import io.mqttbridge.broker.session.RetainedGates;
import io.mqttbridge.broker.session.Session;
import io.mqttbridge.broker.session.Subscription;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.RetainedStore;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the retained messages of one new subscription page by page ({@link RetainedStore#matchingPage}),
 * so a subscription to {@code #} over many retained topics never holds them all in memory at once:
 * the next page is read only when the client has taken most of the last one (the session's pending
 * messages fell below half a page), checked again every {@value #WAIT_MILLIS} ms while it has not.
 * Each message is checked against the subscription's delivery filter (topics its rules deny are
 * skipped) like a live message. The stream stops when the session ends, goes offline, or the
 * filter is unsubscribed.
 *
 * <p>Threading: pages are read by the store on its threads; everything else runs on the session's executor.
 */
final class RetainedStream {

    private static final Logger LOG = LoggerFactory.getLogger(RetainedStream.class);
    static final int PAGE_SIZE = 100;
    static final long WAIT_MILLIS = 10;

    private final RetainedStore store;
    private final Session session;
    private final Subscription subscription;
    private final int[] subscriptionIds;
    private final RetainedGates gates;
    private final RetainedGates.Opening opening;

    private RetainedStream(RetainedStore store, Session session, Subscription subscription, RetainedGates gates,
                           RetainedGates.Opening opening) {
        this.store = store;
        this.session = session;
        this.subscription = subscription;
        this.subscriptionIds = subscription.subscriptionIdentifier() == 0 ? new int[0]
                : new int[] {subscription.subscriptionIdentifier()};
        this.gates = gates;
        this.opening = opening;
    }

    /** @param opening the gate live messages on the subscription's topics wait at until the last page is queued */
    static void start(RetainedStore store, Session session, Subscription subscription, RetainedGates gates,
                      RetainedGates.Opening opening) {
        new RetainedStream(store, session, subscription, gates, opening).readAfter(null);
    }

    private void readAfter(String afterTopic) {
        store.matchingPage(subscription.filter(), afterTopic, PAGE_SIZE).whenComplete((page, error) -> {
            if (error != null) {
                LOG.warn("retained store failed for filter {}", subscription.filter(), error);
                session.execute(() -> gates.close(session, opening));
                return;
            }
            session.execute(() -> deliver(page));
        });
    }

    private void deliver(List<PublishedMessage> page) {
        Subscription now = current();
        if (now == null) {
            gates.close(session, opening);
            return;
        }
        for (PublishedMessage message : page) {
            // A retained message that is one of the live ones waiting at the gate goes once, live.
            if (now.delivers(message.topic()) && !gates.isWaiting(session, message)) {
                RetainedGates.deliverRetained(session, RoutedMessage.of(message), Math.min(message.qos(),
                        subscription.qos()), subscriptionIds);
            }
        }
        if (page.size() == PAGE_SIZE) {
            String last = page.get(page.size() - 1).topic();
            // After the deliveries just queued on this executor.
            session.execute(() -> readWhenDrained(last));
        } else {
            gates.close(session, opening);
        }
    }

    private void readWhenDrained(String afterTopic) {
        if (current() == null) {
            gates.close(session, opening);
            return;
        }
        if (session.pendingCount() < PAGE_SIZE / 2) {
            readAfter(afterTopic);
        } else {
            session.executeLater(() -> readWhenDrained(afterTopic), WAIT_MILLIS);
        }
    }

    /**
     * The session's subscription with this stream's filter now, while the session is live: this one,
     * or one that replaced it (its rules decide what is delivered). A replacement does not stop the
     * stream: the SUBSCRIBE that started it gets its retained messages as if the later one came after
     * it [MQTT-3.8.4-5]; the later one starts its own stream when its retain handling asks for one.
     * Null when the filter was unsubscribed.
     */
    private Subscription current() {
        if (session.isEnded() || !session.isOnline()) {
            return null;
        }
        for (Subscription current : session.subscriptions()) {
            if (current.topicFilter().equals(subscription.topicFilter())) {
                return current;
            }
        }
        return null;
    }
}
