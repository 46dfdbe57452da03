package io.mqttbridge.db.history.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class MessageCopyEncoderTest {

    /** 70 levels: level numbers past the precomputed prefixes, with two digits. */
    private static final String DEEP = "x/".repeat(69) + "end";

    static Stream<String> topics() {
        return Stream.of("a", "site/7/temp", "/", "a//b", "a/", "/a", "$SYS/broker/load", "é/ü-λ/€𝄞", "x".repeat(300), DEEP);
    }

    @ParameterizedTest
    @MethodSource("topics")
    void topicTokensFromTheTopicBytesEqualTheArrayOfTopicTokensStrings(String topic) throws IOException {
        CopyBuffer out = new CopyBuffer(16); // grows on the way

        MessageCopyEncoder.writeTopicTokens(out, topic.getBytes(StandardCharsets.UTF_8));

        assertThat(out.toByteArray()).isEqualTo(textArray(TopicTokens.of(topic)));
    }

    @Test
    void copyBufferWritesBigEndianLikeADataOutputStream() throws IOException {
        CopyBuffer buffer = new CopyBuffer(1);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(expected)) {
            for (int i = 0; i < 200; i++) {
                long value = 0x0102030405060708L * (i + 1) - i;
                buffer.writeByte((int) value);
                out.writeByte((int) value);
                buffer.writeShort((int) (value >>> 3));
                out.writeShort((int) (value >>> 3));
                buffer.writeInt((int) (value >>> 7));
                out.writeInt((int) (value >>> 7));
                buffer.writeLong(-value);
                out.writeLong(-value);
                buffer.write(new byte[] {1, 2, 3, (byte) i}, 1, 3);
                out.write(new byte[] {1, 2, 3, (byte) i}, 1, 3);
            }
        }

        assertThat(buffer.toByteArray()).isEqualTo(expected.toByteArray());
        assertThat(buffer.size()).isEqualTo(expected.size());
    }

    @ParameterizedTest
    @MethodSource("topics")
    void textIsWrittenAsItsUtf8LengthAndBytes(String text) throws IOException {
        CopyBuffer buffer = new CopyBuffer(8);
        buffer.writeByte(9);
        buffer.writeText(text);
        buffer.writeText("");

        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(expected)) {
            byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
            out.writeByte(9);
            out.writeInt(utf8.length);
            out.write(utf8);
            out.writeInt(0);
        }
        assertThat(buffer.toByteArray()).isEqualTo(expected.toByteArray());
    }

    /* PostgreSQL's binary text[] (the encoding the writer used before): header, then length and UTF-8 per element. */
    private static byte[] textArray(List<String> elements) throws IOException {
        ByteArrayOutputStream elementBytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(elementBytes)) {
            for (String element : elements) {
                byte[] utf8 = element.getBytes(StandardCharsets.UTF_8);
                out.writeInt(utf8.length);
                out.write(utf8);
            }
        }
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(all)) {
            out.writeInt(20 + elementBytes.size());
            out.writeInt(1);
            out.writeInt(0);
            out.writeInt(25);
            out.writeInt(elements.size());
            out.writeInt(1);
            out.write(elementBytes.toByteArray());
        }
        return all.toByteArray();
    }
}
