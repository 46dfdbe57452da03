/**
 * A single-node KRaft Kafka inside the JVM ({@link io.mqttbridge.kafka.embedded.EmbeddedKafka}),
 * for development, tests and deployments without a Kafka cluster, and
 * {@link io.mqttbridge.kafka.embedded.KafkaExitGuard} against Kafka ending the JVM.
 */
package io.mqttbridge.kafka.embedded;
