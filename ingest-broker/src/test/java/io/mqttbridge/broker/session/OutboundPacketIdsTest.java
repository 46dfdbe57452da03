package io.mqttbridge.broker.session;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class OutboundPacketIdsTest {

    @Test
    void packetIdsFollowTheSequenceAndSkipZero() {
        assertThat(OutboundQosFlows.packetIdOf(1)).isEqualTo(1);
        assertThat(OutboundQosFlows.packetIdOf(65_535)).isEqualTo(65_535);
        assertThat(OutboundQosFlows.packetIdOf(65_536)).isEqualTo(1);
        assertThat(OutboundQosFlows.packetIdOf(3L * 65_535 + 7)).isEqualTo(7);
    }
}
