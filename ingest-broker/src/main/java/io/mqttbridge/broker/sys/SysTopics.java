package io.mqttbridge.broker.sys;

import io.mqttbridge.broker.spi.DeliveryFilter;
import io.mqttbridge.broker.spi.TopicPermissions;

/**
 * The {@code $SYS} topic tree: what belongs to it, and permissions that keep clients from writing
 * there. A client that could publish {@code $SYS/broker/clients/connected} could lie to every
 * operator watching it, so a publish or a will message there is refused whatever the ACLs say.
 */
public final class SysTopics {

    /** The first topic level of the tree. */
    public static final String ROOT = "$SYS";
    /** The prefix of the broker's own statistics. */
    public static final String BROKER = ROOT + "/broker/";

    private SysTopics() {
    }

    /** Whether {@code topicName} lies in the {@code $SYS} tree (its first level is {@value #ROOT}). */
    public static boolean isSysTopic(String topicName) {
        return topicName.startsWith(ROOT) && (topicName.length() == ROOT.length() || topicName.charAt(ROOT.length()) == '/');
    }

    /** {@code permissions} with publishing into the {@code $SYS} tree refused; subscribing is theirs to decide. */
    public static TopicPermissions withoutPublishing(TopicPermissions permissions) {
        if (permissions == null || permissions instanceof SysReadOnly) {
            return permissions;
        }
        return new SysReadOnly(permissions);
    }

    private record SysReadOnly(TopicPermissions granted) implements TopicPermissions {

        @Override
        public boolean mayPublish(String topicName) {
            return !isSysTopic(topicName) && granted.mayPublish(topicName);
        }

        @Override
        public boolean maySubscribe(String topicFilter) {
            return granted.maySubscribe(topicFilter);
        }

        @Override
        public DeliveryFilter subscriptionFilter(String topicFilter) {
            return granted.subscriptionFilter(topicFilter);
        }
    }
}
