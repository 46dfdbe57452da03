package io.mqttbridge.loadtool.measure;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The test payload: publisher id (int), sequence number (long) and scheduled send time
 * ({@link System#nanoTime()}, long), then zero padding up to the payload size. Publishers and
 * subscribers run in the same process, so the nanosecond clocks agree.
 */
public final class Payloads {

    /** Bytes of the header: 4 + 8 + 8. */
    public static final int HEADER_BYTES = 20;

    private Payloads() {
    }

    public static ByteBuf encode(ByteBufAllocator allocator, int size, int publisherId, long sequence, long sentNanos) {
        ByteBuf buffer = allocator.buffer(size, size);
        buffer.writeInt(publisherId).writeLong(sequence).writeLong(sentNanos);
        buffer.writeZero(size - HEADER_BYTES);
        return buffer;
    }

    /** @return {@code false} when the payload is too short to be one of ours */
    public static boolean isOurs(ByteBuf payload) {
        return payload.readableBytes() >= HEADER_BYTES;
    }

    public static int publisherId(ByteBuf payload) {
        return payload.getInt(payload.readerIndex());
    }

    public static long sequence(ByteBuf payload) {
        return payload.getLong(payload.readerIndex() + 4);
    }

    public static long sentNanos(ByteBuf payload) {
        return payload.getLong(payload.readerIndex() + 12);
    }
}
