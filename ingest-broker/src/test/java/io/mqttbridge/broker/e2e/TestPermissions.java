package io.mqttbridge.broker.e2e;

import io.mqttbridge.broker.spi.TopicPermissions;

/** Topic permissions the end-to-end tests grant. */
final class TestPermissions {

    private TestPermissions() {
    }

    /** Subscribing anywhere; publishing to any topic but those starting with {@code deniedPrefix}. */
    static TopicPermissions publishExcept(String deniedPrefix) {
        return new TopicPermissions() {
            @Override
            public boolean mayPublish(String topicName) {
                return !topicName.startsWith(deniedPrefix);
            }

            @Override
            public boolean maySubscribe(String topicFilter) {
                return true;
            }
        };
    }

    /** Publishing anywhere; subscribing to any filter but those starting with {@code deniedPrefix}. */
    static TopicPermissions subscribeExcept(String deniedPrefix) {
        return new TopicPermissions() {
            @Override
            public boolean mayPublish(String topicName) {
                return true;
            }

            @Override
            public boolean maySubscribe(String topicFilter) {
                return !topicFilter.startsWith(deniedPrefix);
            }
        };
    }
}
