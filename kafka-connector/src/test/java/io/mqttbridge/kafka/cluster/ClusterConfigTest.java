package io.mqttbridge.kafka.cluster;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ClusterConfigTest {

    @Test
    void theDefaultsAreValidAndOff() {
        assertThatCode(() -> new ClusterConfig().validate("kafka.cluster", "any id, even with spaces"))
                .doesNotThrowAnyException();
        assertThatCode(() -> new ClusterConfig().setEnabled(true).validate("kafka.cluster", "node-1"))
                .doesNotThrowAnyException();
    }

    @Test
    void aNodeIdThatCannotNameAKafkaTopicIsRefusedNamingNodeId() {
        assertThatThrownBy(() -> new ClusterConfig().setEnabled(true).validate("kafka.cluster", "node 1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("nodeId ");
    }

    @Test
    void badSettingsAreRefusedNamingTheirKey() {
        assertThatThrownBy(() -> new ClusterConfig().setEnabled(true).setTopicPrefix("bad prefix")
                .validate("kafka.cluster", "n1")).hasMessageStartingWith("kafka.cluster.topicPrefix ");
        assertThatThrownBy(() -> new ClusterConfig().setEnabled(true).setInboxPartitions(0)
                .validate("kafka.cluster", "n1")).hasMessageStartingWith("kafka.cluster.inboxPartitions ");
        assertThatThrownBy(() -> new ClusterConfig().setEnabled(true).setNodeTimeoutMs(500).setHeartbeatIntervalMs(1000)
                .validate("kafka.cluster", "n1")).hasMessageStartingWith("kafka.cluster.nodeTimeoutMs ");
        assertThatThrownBy(() -> new ClusterConfig().setEnabled(true).setClaimTimeoutMs(1000).setHandoverTimeoutMs(3000)
                .validate("kafka.cluster", "n1")).hasMessageStartingWith("kafka.cluster.claimTimeoutMs ");
        assertThatThrownBy(() -> new ClusterConfig().setEnabled(true).setReplicationFactor((short) 0)
                .validate("kafka.cluster", "n1")).hasMessageStartingWith("kafka.cluster.replicationFactor ");
    }
}
