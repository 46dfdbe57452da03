package io.mqttbridge.benchmarks.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Lean MQTT 3.1.1 QoS 1 publishers for benchmarks: each connection keeps {@code window} PUBLISHes
 * unacknowledged and sends the next one for every PUBACK, encoding packets by hand into pooled
 * buffers so that the load generator costs little of the two shared cores. Not a general client:
 * it understands CONNACK and PUBACK only and fails on anything else.
 */
final class NettyQos1Publishers implements AutoCloseable {

    private static final int CONNACK = 0x20;
    private static final int PUBACK = 0x40;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final List<Publisher> publishers = new ArrayList<>();

    NettyQos1Publishers(int port, int count, String clientIdPrefix) throws Exception {
        Bootstrap bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true);
        for (int i = 0; i < count; i++) {
            Publisher publisher = new Publisher(clientIdPrefix + i);
            Channel channel = bootstrap.handler(publisher).connect("127.0.0.1", port).sync().channel();
            channel.writeAndFlush(connect(channel, publisher.clientId));
            publisher.connected.get(10, TimeUnit.SECONDS);
            publishers.add(publisher);
        }
    }

    /**
     * Publishes {@code total} messages of {@code payload} over all connections and waits for every
     * PUBACK.
     *
     * @return nanoseconds from the first PUBLISH to the last PUBACK
     */
    long run(int total, int window, byte[] payload) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(total);
        AtomicInteger remaining = new AtomicInteger(total);
        long start = System.nanoTime();
        for (Publisher publisher : publishers) {
            publisher.channel.eventLoop().execute(() -> publisher.begin(window, payload, remaining, done));
        }
        if (!done.await(10, TimeUnit.MINUTES)) {
            throw new IllegalStateException(done.getCount() + " PUBACKs missing");
        }
        return System.nanoTime() - start;
    }

    @Override
    public void close() {
        for (Publisher publisher : publishers) {
            ByteBuf disconnect = publisher.channel.alloc().buffer(2).writeByte(0xE0).writeByte(0);
            publisher.channel.writeAndFlush(disconnect);
            publisher.channel.close().syncUninterruptibly();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static ByteBuf connect(Channel channel, String clientId) {
        byte[] id = clientId.getBytes(UTF_8);
        ByteBuf buf = channel.alloc().buffer();
        buf.writeByte(0x10);
        writeRemainingLength(buf, 10 + 2 + id.length);
        buf.writeShort(4).writeBytes("MQTT".getBytes(UTF_8)).writeByte(4);
        buf.writeByte(0x02); // clean session
        buf.writeShort(0); // no keep alive
        buf.writeShort(id.length).writeBytes(id);
        return buf;
    }

    private static void writeRemainingLength(ByteBuf buf, int length) {
        do {
            int digit = length % 128;
            length /= 128;
            buf.writeByte(length > 0 ? digit | 0x80 : digit);
        } while (length > 0);
    }

    private static final class Publisher extends ByteToMessageDecoder {

        final String clientId;
        final CompletableFuture<Void> connected = new CompletableFuture<>();
        Channel channel;
        private final byte[] topic;
        private byte[] payload;
        private AtomicInteger remaining;
        private CountDownLatch done;
        private int nextPacketId = 1;

        Publisher(String clientId) {
            this.clientId = clientId;
            this.topic = ("bench/" + clientId).getBytes(UTF_8);
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            channel = ctx.channel();
        }

        void begin(int window, byte[] payload, AtomicInteger remaining, CountDownLatch done) {
            this.payload = payload;
            this.remaining = remaining;
            this.done = done;
            for (int i = 0; i < window; i++) {
                publishNext();
            }
            channel.flush();
        }

        private void publishNext() {
            if (remaining.getAndDecrement() <= 0) {
                return;
            }
            ByteBuf buf = channel.alloc().buffer(8 + topic.length + payload.length);
            buf.writeByte(0x32);
            writeRemainingLength(buf, 2 + topic.length + 2 + payload.length);
            buf.writeShort(topic.length).writeBytes(topic);
            buf.writeShort(nextPacketId);
            nextPacketId = nextPacketId == 0xFFFF ? 1 : nextPacketId + 1;
            buf.writeBytes(payload);
            channel.write(buf, channel.voidPromise());
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            while (in.readableBytes() >= 4) {
                int type = in.readUnsignedByte();
                int length = in.readUnsignedByte();
                if (length != 2) {
                    throw new IllegalStateException(clientId + " got packet type " + type + " of length " + length);
                }
                int value = in.readUnsignedShort();
                if (type == PUBACK) {
                    done.countDown();
                    publishNext();
                } else if (type == CONNACK && value == 0) {
                    connected.complete(null);
                } else {
                    throw new IllegalStateException(clientId + " got packet type " + type + " (" + value + ")");
                }
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
            ctx.flush();
            super.channelReadComplete(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            connected.completeExceptionally(cause);
            System.err.println(clientId + ": " + cause);
            ctx.close();
        }
    }
}
