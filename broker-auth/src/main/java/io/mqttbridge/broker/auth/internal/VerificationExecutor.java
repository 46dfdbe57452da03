package io.mqttbridge.broker.auth.internal;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The small, bounded pool that runs password verifications off the event loops. When all threads
 * are busy and the queue is full, {@code execute} throws
 * {@link java.util.concurrent.RejectedExecutionException}: under a connect storm, refusing fast is
 * better than queueing without bound.
 */
public final class VerificationExecutor {

    private VerificationExecutor() {
    }

    public static ThreadPoolExecutor create(int threads, int queueCapacity) {
        AtomicInteger counter = new AtomicInteger();
        ThreadFactory factory = runnable -> {
            Thread thread = new Thread(runnable, "password-verify-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
        return new ThreadPoolExecutor(threads, threads, 0L, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(queueCapacity), factory, new ThreadPoolExecutor.AbortPolicy());
    }
}
