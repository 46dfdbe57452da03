package io.mqttbridge.loadtool.measure;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;

class PayloadsTest {

    @Test
    void payloadHasTheRequestedSizeAndCarriesIdSequenceAndTime() {
        ByteBuf payload = Payloads.encode(UnpooledByteBufAllocator.DEFAULT, 100, 7, 123_456_789_012L, -42L);
        try {
            assertThat(payload.readableBytes()).isEqualTo(100);
            assertThat(Payloads.isOurs(payload)).isTrue();
            assertThat(Payloads.publisherId(payload)).isEqualTo(7);
            assertThat(Payloads.sequence(payload)).isEqualTo(123_456_789_012L);
            assertThat(Payloads.sentNanos(payload)).isEqualTo(-42L);
        } finally {
            payload.release();
        }
    }

    @Test
    void shortPayloadIsNotOurs() {
        ByteBuf payload = UnpooledByteBufAllocator.DEFAULT.buffer().writeZero(19);
        try {
            assertThat(Payloads.isOurs(payload)).isFalse();
        } finally {
            payload.release();
        }
    }
}
