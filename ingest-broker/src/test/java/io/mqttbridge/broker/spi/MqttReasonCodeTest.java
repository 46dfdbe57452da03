package io.mqttbridge.broker.spi;

import io.netty.handler.codec.mqtt.MqttReasonCodes;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MqttReasonCodeTest {

    @Test
    void disconnectCodesAreNettys() {
        assertThat(MqttReasonCode.SUCCESS).isEqualTo(code(MqttReasonCodes.Disconnect.NORMAL_DISCONNECT.byteValue()));
        assertThat(MqttReasonCode.DISCONNECT_WITH_WILL)
                .isEqualTo(code(MqttReasonCodes.Disconnect.DISCONNECT_WITH_WILL_MESSAGE.byteValue()));
        assertThat(MqttReasonCode.UNSPECIFIED_ERROR)
                .isEqualTo(code(MqttReasonCodes.Disconnect.UNSPECIFIED_ERROR.byteValue()));
        assertThat(MqttReasonCode.MALFORMED_PACKET)
                .isEqualTo(code(MqttReasonCodes.Disconnect.MALFORMED_PACKET.byteValue()));
        assertThat(MqttReasonCode.PROTOCOL_ERROR).isEqualTo(code(MqttReasonCodes.Disconnect.PROTOCOL_ERROR.byteValue()));
        assertThat(MqttReasonCode.NOT_AUTHORIZED).isEqualTo(code(MqttReasonCodes.Disconnect.NOT_AUTHORIZED.byteValue()));
        assertThat(MqttReasonCode.SERVER_SHUTTING_DOWN)
                .isEqualTo(code(MqttReasonCodes.Disconnect.SERVER_SHUTTING_DOWN.byteValue()));
        assertThat(MqttReasonCode.KEEP_ALIVE_TIMEOUT)
                .isEqualTo(code(MqttReasonCodes.Disconnect.KEEP_ALIVE_TIMEOUT.byteValue()));
        assertThat(MqttReasonCode.SESSION_TAKEN_OVER)
                .isEqualTo(code(MqttReasonCodes.Disconnect.SESSION_TAKEN_OVER.byteValue()));
        assertThat(MqttReasonCode.TOPIC_FILTER_INVALID)
                .isEqualTo(code(MqttReasonCodes.Disconnect.TOPIC_FILTER_INVALID.byteValue()));
        assertThat(MqttReasonCode.TOPIC_NAME_INVALID)
                .isEqualTo(code(MqttReasonCodes.Disconnect.TOPIC_NAME_INVALID.byteValue()));
        assertThat(MqttReasonCode.RECEIVE_MAXIMUM_EXCEEDED)
                .isEqualTo(code(MqttReasonCodes.Disconnect.RECEIVE_MAXIMUM_EXCEEDED.byteValue()));
        assertThat(MqttReasonCode.TOPIC_ALIAS_INVALID)
                .isEqualTo(code(MqttReasonCodes.Disconnect.TOPIC_ALIAS_INVALID.byteValue()));
        assertThat(MqttReasonCode.PACKET_TOO_LARGE)
                .isEqualTo(code(MqttReasonCodes.Disconnect.PACKET_TOO_LARGE.byteValue()));
        assertThat(MqttReasonCode.MESSAGE_RATE_TOO_HIGH)
                .isEqualTo(code(MqttReasonCodes.Disconnect.MESSAGE_RATE_TOO_HIGH.byteValue()));
        assertThat(MqttReasonCode.QUOTA_EXCEEDED).isEqualTo(code(MqttReasonCodes.Disconnect.QUOTA_EXCEEDED.byteValue()));
        assertThat(MqttReasonCode.ADMINISTRATIVE_ACTION)
                .isEqualTo(code(MqttReasonCodes.Disconnect.ADMINISTRATIVE_ACTION.byteValue()));
        assertThat(MqttReasonCode.RETAIN_NOT_SUPPORTED)
                .isEqualTo(code(MqttReasonCodes.Disconnect.RETAIN_NOT_SUPPORTED.byteValue()));
        assertThat(MqttReasonCode.QOS_NOT_SUPPORTED)
                .isEqualTo(code(MqttReasonCodes.Disconnect.QOS_NOT_SUPPORTED.byteValue()));
        assertThat(MqttReasonCode.SHARED_SUBSCRIPTIONS_NOT_SUPPORTED)
                .isEqualTo(code(MqttReasonCodes.Disconnect.SHARED_SUBSCRIPTIONS_NOT_SUPPORTED.byteValue()));
        assertThat(MqttReasonCode.MAXIMUM_CONNECT_TIME)
                .isEqualTo(code(MqttReasonCodes.Disconnect.MAXIMUM_CONNECT_TIME.byteValue()));
    }

    @Test
    void acknowledgementCodesAreNettys() {
        assertThat(MqttReasonCode.NO_SUBSCRIPTION_EXISTED)
                .isEqualTo(code(MqttReasonCodes.UnsubAck.NO_SUBSCRIPTION_EXISTED.byteValue()));
        assertThat(MqttReasonCode.PACKET_IDENTIFIER_NOT_FOUND)
                .isEqualTo(code(MqttReasonCodes.PubRel.PACKET_IDENTIFIER_NOT_FOUND.byteValue()));
        assertThat(MqttReasonCode.PACKET_IDENTIFIER_NOT_FOUND)
                .isEqualTo(code(MqttReasonCodes.PubComp.PACKET_IDENTIFIER_NOT_FOUND.byteValue()));
        assertThat(MqttReasonCode.SUBSCRIPTION_FAILURE)
                .isEqualTo(code(MqttReasonCodes.SubAck.UNSPECIFIED_ERROR.byteValue()));
        assertThat(MqttReasonCode.QUOTA_EXCEEDED).isEqualTo(code(MqttReasonCodes.PubAck.QUOTA_EXCEEDED.byteValue()));
    }

    @Test
    void errorsStartAt0x80AndFitInOneByte() {
        assertThat(MqttReasonCode.isError(MqttReasonCode.SUCCESS)).isFalse();
        assertThat(MqttReasonCode.isError(MqttReasonCode.NO_SUBSCRIPTION_EXISTED)).isFalse();
        assertThat(MqttReasonCode.isError(MqttReasonCode.UNSPECIFIED_ERROR)).isTrue();
        assertThat(MqttReasonCode.isErrorByte(MqttReasonCode.MAXIMUM_CONNECT_TIME)).isTrue();
        assertThat(MqttReasonCode.isErrorByte(256)).isFalse();
    }

    private static int code(byte value) {
        return value & 0xFF;
    }
}
