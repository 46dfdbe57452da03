package io.mqttbridge.broker.listener;

import io.mqttbridge.broker.e2e.TestBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** MQTT over WebSocket at the frame level, with the JDK's own WebSocket client. */
class WebSocketFramingTest {

    /** MQTT 3.1.1 CONNECT, client id "ws", clean session, keep alive 60. */
    private static final byte[] CONNECT = {0x10, 0x0E, 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 60, 0, 2, 'w', 's'};

    private static final class Recorder implements WebSocket.Listener {
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        final CompletableFuture<byte[]> connAck = new CompletableFuture<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            received.writeBytes(bytes);
            if (received.size() >= 4) {
                connAck.complete(received.toByteArray());
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.complete(-1);
        }
    }

    private static WebSocket open(TestBroker broker, Recorder recorder) throws Exception {
        return open(broker, "/mqtt", recorder);
    }

    private static WebSocket open(TestBroker broker, String pathAndQuery, Recorder recorder) throws Exception {
        return HttpClient.newHttpClient().newWebSocketBuilder().subprotocols("mqtt")
                .buildAsync(URI.create("ws://127.0.0.1:" + broker.broker.port("ws") + pathAndQuery), recorder)
                .get(10, TimeUnit.SECONDS);
    }

    private static TestBroker wsBroker() {
        return TestBroker.start(c -> c.setListeners(List.of(new ListenerConfig("ws", Transport.WS, "127.0.0.1", 0))));
    }

    @Test
    void connectSplitAcrossFramesIsReassembledAndAnsweredInABinaryFrame() throws Exception {
        try (TestBroker broker = wsBroker()) {
            Recorder recorder = new Recorder();
            WebSocket socket = open(broker, recorder);
            assertThat(socket.getSubprotocol()).isEqualTo("mqtt");
            socket.sendBinary(ByteBuffer.wrap(CONNECT, 0, 5), true).get(5, TimeUnit.SECONDS);
            socket.sendBinary(ByteBuffer.wrap(CONNECT, 5, 4), false).get(5, TimeUnit.SECONDS);
            socket.sendBinary(ByteBuffer.wrap(CONNECT, 9, CONNECT.length - 9), true).get(5, TimeUnit.SECONDS);
            assertThat(recorder.connAck.get(10, TimeUnit.SECONDS)).containsExactly(0x20, 0x02, 0x00, 0x00);
            socket.abort();
        }
    }

    /** Browser and token-authenticating clients add a query (MQTT.js: {@code wss://host/mqtt?token=...}). */
    @ParameterizedTest
    @ValueSource(strings = {"/mqtt?token=abc.def&x=1", "/mqtt/"})
    void thePathWithAQueryOrATrailingSlashIsServed(String pathAndQuery) throws Exception {
        try (TestBroker broker = wsBroker()) {
            Recorder recorder = new Recorder();
            WebSocket socket = open(broker, pathAndQuery, recorder);
            socket.sendBinary(ByteBuffer.wrap(CONNECT), true).get(5, TimeUnit.SECONDS);
            assertThat(recorder.connAck.get(10, TimeUnit.SECONDS)).containsExactly(0x20, 0x02, 0x00, 0x00);
            socket.abort();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/ws", "/mqttx", "/"})
    void anotherPathGets404AtOnce(String path) throws Exception {
        try (TestBroker broker = wsBroker()) {
            Throwable refused = catchThrowable(() -> open(broker, path, new Recorder()));
            assertThat(handshakeFailure(refused).getResponse().statusCode()).isEqualTo(404);
        }
    }

    @Test
    void anUpgradeWhoseHeadersTheDecoderCouldNotReadWholeIsRefusedNotSwitched() throws Exception {
        try (TestBroker broker = wsBroker();
             java.net.Socket socket = new java.net.Socket("127.0.0.1", broker.port())) {
            socket.setSoTimeout(10_000);
            String request = "GET /mqtt HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Protocol: mqtt\r\nX-Big: " + "a".repeat(200_000) + "\r\n\r\n";
            // Written on a thread of its own, read here at once: the broker answers and closes before it has
            // read the whole request, so the write may end with a reset, and a reader that only began after
            // it could lose the answer to that reset (CI, once).
            Thread writer = new Thread(() -> {
                try {
                    socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                } catch (java.io.IOException expected) {
                    // the broker closed while the request was still being written
                }
            });
            writer.start();
            String statusLine = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                    java.nio.charset.StandardCharsets.US_ASCII)).readLine();
            assertThat(statusLine).startsWith("HTTP/1.1 431");
        }
    }

    private static WebSocketHandshakeException handshakeFailure(Throwable thrown) {
        for (Throwable e = thrown; e != null; e = e.getCause()) {
            if (e instanceof WebSocketHandshakeException handshake) {
                return handshake;
            }
        }
        throw new AssertionError("no WebSocketHandshakeException in " + thrown, thrown);
    }

    @Test
    void textFrameClosesTheConnection() throws Exception {
        try (TestBroker broker = wsBroker()) {
            Recorder recorder = new Recorder();
            WebSocket socket = open(broker, recorder);
            socket.sendText("CONNECT please", true).get(5, TimeUnit.SECONDS);
            assertThat(recorder.closed.get(10, TimeUnit.SECONDS)).isNotNull();
            assertThat(recorder.connAck).isNotDone();
        }
    }
}
