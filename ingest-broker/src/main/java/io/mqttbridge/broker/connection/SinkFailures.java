package io.mqttbridge.broker.connection;

import io.mqttbridge.broker.spi.MqttReasonCode;
import io.mqttbridge.broker.spi.PublishRejectedException;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * What a failed sink future means for the publishing client: the cause it failed with and the
 * reason code the client is told. Stateless; safe from any thread.
 */
final class SinkFailures {

    private SinkFailures() {
    }

    /** The cause {@code failed} completed with, or {@code null} when it did not fail. */
    static Throwable causeOf(CompletableFuture<Void> failed) {
        try {
            failed.join();
            return null;
        } catch (CompletionException | CancellationException e) {
            return e.getCause() == null ? e : e.getCause();
        }
    }

    /** The reason code of a refusal the sink chose, else "unspecified error". */
    static int reasonOf(Throwable cause) {
        if (cause instanceof PublishRejectedException rejected && MqttReasonCode.isErrorByte(rejected.reasonCode())) {
            return rejected.reasonCode();
        }
        return MqttReasonCode.UNSPECIFIED_ERROR;
    }

    /** Whether the sink refused for good: the same message sent again would be refused again. */
    static boolean isPermanent(Throwable cause) {
        return cause instanceof PublishRejectedException rejected && rejected.isPermanent();
    }
}
