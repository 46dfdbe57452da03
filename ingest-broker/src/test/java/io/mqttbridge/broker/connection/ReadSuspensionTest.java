package io.mqttbridge.broker.connection;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.connection.ReadSuspension.Reason;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ReadSuspensionTest {

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final ClientConnection connection =
            ClientConnection.create(channel, new BrokerMetrics(new MetricRegistry(), () -> 0, () -> 0));

    @Test
    void readingResumesOnlyWhenTheLastReasonIsLifted() {
        connection.setState(ClientConnection.State.CONNECTED);
        connection.reading().pause(Reason.SINK_BACK_PRESSURE);
        connection.reading().pause(Reason.ACK_WINDOW_FULL);

        connection.reading().resume(Reason.SINK_BACK_PRESSURE);
        assertThat(channel.config().isAutoRead()).isFalse();
        assertThat(connection.reading().isPaused(Reason.ACK_WINDOW_FULL)).isTrue();

        connection.reading().resume(Reason.ACK_WINDOW_FULL);
        assertThat(channel.config().isAutoRead()).isTrue();
    }

    @Test
    void resumeReadingLiftsAReasonOfAPause() {
        connection.setState(ClientConnection.State.CONNECTED);
        connection.reading().pause(Reason.ACK_WINDOW_FULL);
        assertThat(connection.readingPaused()).isTrue();

        connection.resumeReading(Reason.ACK_WINDOW_FULL);

        assertThat(connection.readingPaused()).isFalse();
        assertThat(channel.config().isAutoRead()).isTrue();
    }

    @Test
    void liftingAReasonThatDoesNotHoldChangesNothing() {
        connection.setState(ClientConnection.State.CONNECTED);
        connection.reading().pause(Reason.SINK_BACK_PRESSURE);

        connection.reading().resume(Reason.ACK_WINDOW_FULL);

        assertThat(channel.config().isAutoRead()).isFalse();
    }

    @Test
    void aConnectionThatIsNotConnectedStaysPaused() {
        connection.setState(ClientConnection.State.CLOSED);
        connection.reading().pause(Reason.SINK_BACK_PRESSURE);

        connection.reading().resume(Reason.SINK_BACK_PRESSURE);

        assertThat(channel.config().isAutoRead()).isFalse();
    }

    @Test
    void closingIsNeverLiftedByOtherReasons() {
        connection.setState(ClientConnection.State.CONNECTED);
        connection.reading().pause(Reason.CLOSING);
        connection.reading().pause(Reason.SINK_BACK_PRESSURE);

        connection.reading().resume(Reason.SINK_BACK_PRESSURE);

        assertThat(channel.config().isAutoRead()).isFalse();
    }
}
