package io.mqttbridge.broker.e2e;

import io.mqttbridge.broker.spi.DeliveryFilter;
import io.mqttbridge.broker.spi.TopicPermissions;

import java.util.function.Predicate;

/** Topic permissions the end-to-end tests grant. */
final class TestPermissions {

    private TestPermissions() {
    }

    /** Publishing anywhere; subscribing to any filter but those starting with {@code deniedPrefix}. */
    static TopicPermissions subscribeExcept(String deniedPrefix) {
        return of(topic -> true, filter -> !filter.startsWith(deniedPrefix), DeliveryFilter.ALL);
    }

    /** Subscribing anywhere; publishing to any topic but those starting with {@code deniedPrefix}. */
    static TopicPermissions publishExcept(String deniedPrefix) {
        return of(topic -> !topic.startsWith(deniedPrefix), filter -> true, DeliveryFilter.ALL);
    }

    /**
     * Publishing anywhere; subscribing to any filter but those starting with {@code hiddenPrefix}, and
     * nothing under it delivered through the others (as a deny rule before an allow of {@code #}).
     */
    static TopicPermissions hiding(String hiddenPrefix) {
        return of(topic -> true, filter -> !filter.startsWith(hiddenPrefix), topic -> !topic.startsWith(hiddenPrefix));
    }

    private static TopicPermissions of(Predicate<String> publish, Predicate<String> subscribe, DeliveryFilter delivered) {
        return new TopicPermissions() {
            @Override
            public boolean mayPublish(String topicName) {
                return publish.test(topicName);
            }

            @Override
            public boolean maySubscribe(String topicFilter) {
                return subscribe.test(topicFilter);
            }

            @Override
            public DeliveryFilter subscriptionFilter(String topicFilter) {
                return maySubscribe(topicFilter) ? delivered : null;
            }
        };
    }
}
