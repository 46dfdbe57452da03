/**
 * The broker cluster on Kafka: {@link io.mqttbridge.kafka.cluster.KafkaClusterFabric}, the broker's
 * {@code ClusterFabric} that makes nodes sharing one Kafka cluster (and one session and retained
 * store) behave as one broker, and its settings ({@link io.mqttbridge.kafka.cluster.ClusterConfig}).
 * The topics and record formats are in docs/ARCHITECTURE.md, "Cluster".
 */
package io.mqttbridge.kafka.cluster;
