/**
 * The lock-free {@link io.mqttbridge.broker.topic.TopicTree}: subscriptions indexed by topic filter
 * level, matched against a topic name. Generic in what it stores; the session manager fills it, the
 * router reads it.
 */
package io.mqttbridge.broker.topic;
