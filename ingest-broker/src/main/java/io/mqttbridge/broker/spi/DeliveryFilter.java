package io.mqttbridge.broker.spi;

/**
 * Which of the topics a granted subscription matches may actually be delivered through it: decided
 * once when the subscription is granted (see {@link TopicPermissions#subscriptionFilter}) and then
 * asked for every message routed to it, and for every retained message sent on SUBSCRIBE.
 *
 * <p>Threading: called on any event loop, for every delivery; must be fast, allocation-free and
 * thread-safe. {@link #ALL} is the common case and is recognised by identity, so that a
 * subscription no deny rule can touch costs nothing at delivery time.
 */
@FunctionalInterface
public interface DeliveryFilter {

    /** Every topic the subscription matches may be delivered. */
    DeliveryFilter ALL = topicName -> true;

    /** @param topicName a topic the subscription's filter matches */
    boolean allows(String topicName);
}
