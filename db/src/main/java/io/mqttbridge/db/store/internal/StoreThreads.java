package io.mqttbridge.db.store.internal;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** The reader threads of the stores: daemon threads, so a store that was never closed does not keep the JVM up. */
public final class StoreThreads {

    private StoreThreads() {
    }

    public static ExecutorService reader(String name, int threads) {
        AtomicInteger count = new AtomicInteger();
        return Executors.newFixedThreadPool(threads, runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }
}
