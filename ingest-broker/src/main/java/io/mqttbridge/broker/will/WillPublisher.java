package io.mqttbridge.broker.will;

import io.mqttbridge.broker.spi.LogSafe;
import io.mqttbridge.broker.connection.WillMessage;
import io.mqttbridge.broker.routing.MessageRouter;
import io.mqttbridge.broker.spi.PublishSink;
import io.mqttbridge.broker.spi.PublishedMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * Publishes will messages like any other application message: to the sink (the Kafka mirror) and
 * to matching subscribers on every node of a cluster. Callable from any thread.
 */
public final class WillPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(WillPublisher.class);

    private final MessageRouter router;
    private final PublishSink sink;

    public WillPublisher(MessageRouter router, PublishSink sink) {
        this.router = router;
        this.sink = sink;
    }

    public void publish(WillMessage will) {
        PublishedMessage original = will.message();
        PublishedMessage message = new PublishedMessage(original.topic(), original.payload(), original.qos(),
                original.retain(), original.clientId(), original.username(), original.protocolVersion(),
                Instant.now(), original.properties());
        CompletableFuture<Void> sunk;
        try {
            sunk = sink.accept(message);
        } catch (RuntimeException e) {
            sunk = CompletableFuture.failedFuture(e);
        }
        sunk.whenComplete((ignored, error) -> {
            if (error != null) {
                LOG.warn("sink refused the will of client {} on topic {}",
                        LogSafe.text(message.clientId()), LogSafe.text(message.topic()), error);
            }
        });
        router.routeAndForward(message, null).whenComplete((ignored, error) -> {
            if (error != null) {
                LOG.warn("will of client {} on topic {} did not reach every node",
                        LogSafe.text(message.clientId()), LogSafe.text(message.topic()),
                        error);
            }
        });
    }
}
