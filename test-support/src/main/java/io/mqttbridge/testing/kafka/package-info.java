/**
 * The test JVM's one Kafka ({@link io.mqttbridge.testing.kafka.TestKafka}: embedded, or a
 * container with {@code -Dtest.infra=containers}) and Kafka client helpers for tests.
 */
package io.mqttbridge.testing.kafka;
