package io.mqttbridge.kafka.testing;

import io.mqttbridge.broker.spi.MessagePublisher;
import io.mqttbridge.broker.spi.PublishedMessage;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A stand-in for the broker's {@link MessagePublisher} that records every call. By default each
 * publish completes at once; {@link #holdingCompletion()} leaves the futures for the test to
 * complete, and {@link #answering} decides per message.
 */
public final class RecordingMessagePublisher implements MessagePublisher {

    public record Call(PublishedMessage message, CompletableFuture<Integer> future) {
    }

    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final Function<PublishedMessage, CompletableFuture<Integer>> answer;

    private RecordingMessagePublisher(Function<PublishedMessage, CompletableFuture<Integer>> answer) {
        this.answer = answer;
    }

    public static RecordingMessagePublisher completingAtOnce() {
        return new RecordingMessagePublisher(m -> CompletableFuture.completedFuture(1));
    }

    public static RecordingMessagePublisher holdingCompletion() {
        return new RecordingMessagePublisher(m -> new CompletableFuture<>());
    }

    public static RecordingMessagePublisher answering(Function<PublishedMessage, CompletableFuture<Integer>> answer) {
        return new RecordingMessagePublisher(answer);
    }

    @Override
    public CompletableFuture<Integer> publish(PublishedMessage message) {
        CompletableFuture<Integer> future = answer.apply(message);
        calls.add(new Call(message, future));
        return future;
    }

    public List<Call> calls() {
        return calls;
    }

    public List<String> payloads() {
        return calls.stream().map(c -> new String(c.message().payload(), java.nio.charset.StandardCharsets.UTF_8)).toList();
    }
}
