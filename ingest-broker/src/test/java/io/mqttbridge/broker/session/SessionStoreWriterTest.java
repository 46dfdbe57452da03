package io.mqttbridge.broker.session;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.spi.SessionSnapshot;
import io.mqttbridge.broker.spi.SessionStore;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

class SessionStoreWriterTest {

    private final MetricRegistry registry = new MetricRegistry();
    private final BrokerMetrics metrics = new BrokerMetrics(registry, () -> 0, () -> 0);

    /** A store whose every write fails, as one whose database is gone. */
    private static SessionStore failingStore() {
        return (SessionStore) Proxy.newProxyInstance(SessionStore.class.getClassLoader(),
                new Class<?>[] {SessionStore.class},
                (proxy, method, args) -> CompletableFuture.failedFuture(new IllegalStateException("store down")));
    }

    private long storeFailures() {
        return registry.meter(BrokerMetrics.STORE_FAILURES).getCount();
    }

    @Test
    void everyFailedWriteIsCountedAndTheWritesACallerWaitsForFail() {
        SessionStoreWriter writer = new SessionStoreWriter(failingStore(), metrics);
        SessionSnapshot snapshot = new SessionSnapshot("client-1", 60, null, List.of(), List.of(), null);

        writer.save(snapshot);
        writer.remove("client-1");
        writer.releasedQos2("client-1", 7);
        writer.acknowledge("client-1", 3);
        CompletableFuture<Void> savedNow = writer.saveNow(snapshot);
        CompletableFuture<Void> sending = writer.sendingQos2("client-1", 8, Instant.now());
        CompletableFuture<Void> received = writer.receivedQos2("client-1", 8);

        assertThat(savedNow).isCompletedExceptionally();
        assertThat(sending).isCompletedExceptionally();
        assertThat(received).isCompletedExceptionally();
        assertThat(storeFailures()).isEqualTo(7);
    }

    @Test
    void writesThatSucceedCountNoFailure() {
        InMemorySessionStore store = new InMemorySessionStore();
        SessionStoreWriter writer = new SessionStoreWriter(store, metrics);

        writer.saveNow(new SessionSnapshot("client-1", 60, null, List.of(), List.of(), null)).join();
        writer.remove("client-1");

        assertThat(store.load("client-1").join()).isEmpty();
        assertThat(storeFailures()).isZero();
    }
}
