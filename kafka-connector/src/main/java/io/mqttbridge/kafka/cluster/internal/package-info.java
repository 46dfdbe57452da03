/**
 * How the cluster fabric works: the compacted control topics (routes, nodes, claims) and their
 * reader, each node's inbox of forwarded messages and its readers (a dead node's included), the
 * directory of which node subscribes to which filter, and the creation of the topics.
 */
package io.mqttbridge.kafka.cluster.internal;
