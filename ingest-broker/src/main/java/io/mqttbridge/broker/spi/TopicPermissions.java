package io.mqttbridge.broker.spi;

/**
 * What one connected identity may do, decided once per connection so that the checks on the
 * publish path are synchronous and cheap.
 *
 * <p>Threading: called on the connection's event loop; implementations must be fast, non-blocking
 * and thread-safe.
 */
public interface TopicPermissions {

    TopicPermissions ALLOW_ALL = new TopicPermissions() {
        @Override
        public boolean mayPublish(String topicName) {
            return true;
        }

        @Override
        public boolean maySubscribe(String topicFilter) {
            return true;
        }
    };

    TopicPermissions DENY_ALL = new TopicPermissions() {
        @Override
        public boolean mayPublish(String topicName) {
            return false;
        }

        @Override
        public boolean maySubscribe(String topicFilter) {
            return false;
        }
    };

    /** @param topicName a valid topic name (no wildcards) */
    boolean mayPublish(String topicName);

    /**
     * @param topicFilter a valid topic filter without any {@code $share/group/} prefix; allowed only
     *     if every topic it can match may be subscribed to
     */
    boolean maySubscribe(String topicFilter);

    /**
     * Decides a SUBSCRIBE once: {@code null} refuses it; otherwise the subscription is granted and
     * the returned filter says which of its topics may be delivered through it. Implementations
     * that can grant a filter only partly (rules that deny some of the topics it matches) override
     * this; the default grants exactly what {@link #maySubscribe} allows, with nothing hidden.
     *
     * @param topicFilter a valid topic filter without any {@code $share/group/} prefix
     */
    default DeliveryFilter subscriptionFilter(String topicFilter) {
        return maySubscribe(topicFilter) ? DeliveryFilter.ALL : null;
    }
}
