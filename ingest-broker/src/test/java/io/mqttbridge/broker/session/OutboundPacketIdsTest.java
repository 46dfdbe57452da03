package io.mqttbridge.broker.session;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class OutboundPacketIdsTest {

    @Test
    void packetIdsFollowTheSequenceAndSkipZero() {
        assertThat(OutboundDelivery.packetIdOf(1)).isEqualTo(1);
        assertThat(OutboundDelivery.packetIdOf(65_535)).isEqualTo(65_535);
        assertThat(OutboundDelivery.packetIdOf(65_536)).isEqualTo(1);
        assertThat(OutboundDelivery.packetIdOf(3L * 65_535 + 7)).isEqualTo(7);
    }
}
