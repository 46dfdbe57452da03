package io.mqttbridge.db.history.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable byte array with big-endian writes, into which {@link MessageCopyEncoder} writes the
 * binary {@code COPY} stream. Instead of a {@code DataOutputStream} over a
 * {@code ByteArrayOutputStream}: those take a lock for every byte (a {@code writeInt} is four
 * synchronized single-byte writes), dozens per row.
 *
 * <p>Threading: one thread.
 */
final class CopyBuffer {

    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private byte[] bytes;
    private int size;

    CopyBuffer(int capacity) {
        bytes = new byte[Math.max(capacity, 64)];
    }

    void writeByte(int value) {
        ensure(1);
        bytes[size++] = (byte) value;
    }

    void writeShort(int value) {
        ensure(2);
        SHORT.set(bytes, size, (short) value);
        size += 2;
    }

    void writeInt(int value) {
        ensure(4);
        INT.set(bytes, size, value);
        size += 4;
    }

    void writeLong(long value) {
        ensure(8);
        LONG.set(bytes, size, value);
        size += 8;
    }

    void write(byte[] source) {
        write(source, 0, source.length);
    }

    void write(byte[] source, int offset, int length) {
        ensure(length);
        System.arraycopy(source, offset, bytes, size, length);
        size += length;
    }

    /**
     * A {@code text} field: its length in UTF-8 bytes, then the bytes. An ASCII string (client ids, node
     * ids, user names, Kafka topics, as a rule) is copied char by char without an intermediate array;
     * any other is encoded with {@link String#getBytes}.
     */
    void writeText(String text) {
        int length = text.length();
        ensure(4 + length);
        int start = size + 4;
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            if (c >= 0x80) {
                byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
                writeInt(utf8.length);
                write(utf8);
                return;
            }
            bytes[start + i] = (byte) c;
        }
        INT.set(bytes, size, length);
        size = start + length;
    }

    int size() {
        return size;
    }

    /** The backing array: valid up to {@link #size()}, until the next write. */
    byte[] array() {
        return bytes;
    }

    void reset() {
        size = 0;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(bytes, size);
    }

    private void ensure(int more) {
        if (size + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
        }
    }
}
