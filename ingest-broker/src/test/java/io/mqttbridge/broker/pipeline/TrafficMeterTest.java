package io.mqttbridge.broker.pipeline;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.connection.ClientConnection;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The connection's raw-bytes handler ({@link WireFormatCheck}) meters what it sees, in and out. */
class TrafficMeterTest {

    private final MetricRegistry registry = new MetricRegistry();
    private final BrokerMetrics metrics = new BrokerMetrics(registry, () -> 0, () -> 0);

    private EmbeddedChannel connection() {
        return new EmbeddedChannel(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel channel) {
                ClientConnection.create(channel, metrics);
                channel.pipeline().addLast(new WireFormatCheck(1024, new TrafficMeter(metrics)));
            }
        });
    }

    @Test
    void countsTheConnectionWhileItIsOpen() {
        EmbeddedChannel channel = connection();
        assertThat(registry.counter(BrokerMetrics.CONNECTIONS).getCount()).isEqualTo(1);

        channel.close();

        assertThat(registry.counter(BrokerMetrics.CONNECTIONS).getCount()).isZero();
    }

    @Test
    void countsTheBytesReadAndTheBytesWrittenOnceFlushed() {
        EmbeddedChannel channel = connection();

        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {(byte) 0xC0, 0, (byte) 0xC0, 0}));
        channel.write(Unpooled.wrappedBuffer(new byte[] {(byte) 0xD0, 0}));
        channel.write(Unpooled.wrappedBuffer(new byte[] {(byte) 0xD0, 0}));
        assertThat(registry.meter(BrokerMetrics.BYTES_OUT).getCount()).as("counted per flush").isZero();
        channel.flush();

        assertThat(registry.meter(BrokerMetrics.BYTES_IN).getCount()).isEqualTo(4);
        assertThat(registry.meter(BrokerMetrics.BYTES_OUT).getCount()).isEqualTo(4);
        ByteBuf read;
        while ((read = channel.readInbound()) != null) {
            read.release();
        }
        channel.finishAndReleaseAll();
    }
}
