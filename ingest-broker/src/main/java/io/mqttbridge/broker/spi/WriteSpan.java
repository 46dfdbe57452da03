package io.mqttbridge.broker.spi;

/**
 * Writes issued to a store that become durable together, from the span's opening
 * ({@link SessionStore#openSpan}) until its {@link #close}.
 */
@FunctionalInterface
public interface WriteSpan extends AutoCloseable {

    /** A span that groups nothing: each write is committed as the store does anyway. */
    WriteSpan NONE = () -> { };

    /** Ends the span: the writes issued within it may be committed now. Idempotent; never throws. */
    @Override
    void close();
}
