package io.mqttbridge.broker.session;

import io.netty.util.concurrent.EventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs a session's tasks one at a time, in submission order, on one event loop at a time, which a
 * takeover can change ({@link #moveTo}). A task submitted on that loop runs at once when nothing is
 * pending, so the common case costs no hand-off.
 *
 * <p>Threading: {@link #execute} from any thread; {@link #moveTo} only from a task.
 */
final class SessionMailbox {

    private static final Logger LOG = LoggerFactory.getLogger(SessionMailbox.class);
    private static final int MAX_TASKS_PER_RUN = 512;

    private final String owner;
    private final Runnable afterRun;
    /*
     * A linked queue, not an array queue: it costs an idle session 48 bytes, where Netty's MPSC array
     * queues are padded against false sharing (about 670 bytes even with chunks of 16), the largest
     * item of an idle connection's heap. A session rarely has more than a few tasks waiting, and
     * most are run at once by the submitting event loop itself.
     */
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private volatile EventExecutor executor;

    /**
     * @param owner names the session in logs
     * @param afterRun runs after each batch of tasks (the session flushes its connection there)
     */
    SessionMailbox(String owner, EventExecutor executor, Runnable afterRun) {
        this.owner = owner;
        this.executor = executor;
        this.afterRun = afterRun;
    }

    EventExecutor executor() {
        return executor;
    }

    /** Later tasks run on {@code next}; the running batch stops after the current task. */
    void moveTo(EventExecutor next) {
        executor = next;
    }

    /** Runs {@code task} on the current executor after every task submitted before it. */
    void execute(Runnable task) {
        tasks.offer(task);
        if (scheduled.compareAndSet(false, true)) {
            EventExecutor current = executor;
            if (current.inEventLoop()) {
                drain();
            } else {
                current.execute(this::drain);
            }
        }
    }

    private void drain() {
        EventExecutor current = executor;
        int run = 0;
        Runnable task;
        while ((task = tasks.poll()) != null) {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.warn("session task of client {} failed", owner, e);
            }
            if (executor != current || ++run >= MAX_TASKS_PER_RUN) {
                break;
            }
        }
        afterRun.run();
        scheduled.set(false);
        if (!tasks.isEmpty() && scheduled.compareAndSet(false, true)) {
            executor.execute(this::drain);
        }
    }
}
