/**
 * The broker as a node of a cluster: what the cluster fabric ({@code spi.ClusterFabric}) may ask
 * of this node's sessions and router.
 */
package io.mqttbridge.broker.cluster;
