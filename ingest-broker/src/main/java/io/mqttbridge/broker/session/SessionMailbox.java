package io.mqttbridge.broker.session;

import io.mqttbridge.broker.spi.LogSafe;
import io.netty.util.concurrent.EventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Runs a session's tasks one at a time, in submission order, on one event loop at a time, which a
 * takeover can change ({@link #moveTo}). A task submitted on that loop while none of the session's
 * tasks runs or waits is run at once, without a queue entry, so the common case costs no hand-off
 * and no allocation; tasks submitted meanwhile, or from other threads, wait in a queue.
 *
 * <p>Memory: an idle connection's session is the broker's main memory cost, so the queue is created
 * by the first task that has to wait (a session whose tasks all come from its own event loop never
 * has one), and the flags are fields rather than atomic objects.
 *
 * <p>Threading: {@link #execute} from any thread; {@link #moveTo} only from a task.
 */
final class SessionMailbox {

    private static final Logger LOG = LoggerFactory.getLogger(SessionMailbox.class);
    private static final int MAX_TASKS_PER_RUN = 512;
    private static final List<Runnable> NO_ATTACH_WAITING = List.of();
    private static final VarHandle TASKS;
    private static final VarHandle SCHEDULED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            TASKS = lookup.findVarHandle(SessionMailbox.class, "tasks", Queue.class);
            SCHEDULED = lookup.findVarHandle(SessionMailbox.class, "scheduled", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Session session;
    /*
     * A linked queue, not an array queue: Netty's MPSC array queues are padded against false sharing
     * (about 670 bytes even with chunks of 16). A session rarely has more than a few tasks waiting.
     */
    private volatile Queue<Runnable> tasks;
    /* Whether a run of this session's tasks is under way or handed to the executor. */
    private volatile boolean scheduled;
    private volatile EventExecutor executor;
    /* Null while no connection is being attached ({@link SessionAttacher}) and the session is not
       being handed over ({@link SessionHandOver}, which takes the same turn); else the attaches and
       hand-overs waiting for that one, NO_ATTACH_WAITING for none (no list is made for the usual single
       CONNECT). Only touched in the session's tasks. */
    private List<Runnable> attachesWaiting;

    /** @param session names the session in logs; its connection is flushed after each run of tasks */
    SessionMailbox(Session session, EventExecutor executor) {
        this.session = session;
        this.executor = executor;
    }

    EventExecutor executor() {
        return executor;
    }

    /**
     * In a task: starts attaching a connection, which takes two tasks and a move of the session
     * between them, or handing the session over to another node, unless one of these is under way
     * already: then {@code retry} runs once that has ended ({@link #endAttach}), and this returns
     * {@code false}.
     */
    boolean beginAttach(Runnable retry) {
        if (attachesWaiting == null) {
            attachesWaiting = NO_ATTACH_WAITING;
            return true;
        }
        if (attachesWaiting == NO_ATTACH_WAITING) {
            attachesWaiting = new ArrayList<>(2);
        }
        attachesWaiting.add(retry);
        return false;
    }

    /** In a task: the attach under way has ended; those that waited go on (the first, the rest wait again). */
    void endAttach() {
        List<Runnable> waiting = attachesWaiting;
        attachesWaiting = null;
        if (waiting != null) {
            waiting.forEach(Runnable::run);
        }
    }

    /** Later tasks run on {@code next}; the running batch stops after the current task. */
    void moveTo(EventExecutor next) {
        executor = next;
    }

    /** Runs {@code task} on the current executor after every task submitted before it. */
    void execute(Runnable task) {
        EventExecutor current = executor;
        if (current.inEventLoop() && SCHEDULED.compareAndSet(this, false, true)) {
            // Nothing of this session runs or waits to run (a task waiting in the queue was put
            // there by a submission that has not scheduled a run yet: one concurrent with this).
            runLogged(task);
            drain(current, 1);
            return;
        }
        queue().offer(task);
        if (SCHEDULED.compareAndSet(this, false, true)) {
            current = executor;
            if (current.inEventLoop()) {
                drain(current, 0);
            } else {
                current.execute(this::drain);
            }
        }
    }

    private void drain() {
        drain(executor, 0);
    }

    /** Runs the waiting tasks on {@code current}, having run {@code alreadyRun} of this run. */
    private void drain(EventExecutor current, int alreadyRun) {
        int run = alreadyRun;
        Runnable task;
        while (executor == current && run < MAX_TASKS_PER_RUN && (task = poll()) != null) {
            runLogged(task);
            run++;
        }
        session.flushConnection();
        scheduled = false;
        Queue<Runnable> queue = tasks;
        if (queue != null && !queue.isEmpty() && SCHEDULED.compareAndSet(this, false, true)) {
            executor.execute(this::drain);
        }
    }

    private void runLogged(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            LOG.warn("session task of client {} failed", LogSafe.text(session.clientId()), e);
        }
    }

    private Runnable poll() {
        Queue<Runnable> queue = tasks;
        return queue == null ? null : queue.poll();
    }

    /** The queue, created by the first task that waits (by whichever thread gets there first). */
    @SuppressWarnings("unchecked")
    private Queue<Runnable> queue() {
        Queue<Runnable> queue = tasks;
        if (queue == null) {
            Queue<Runnable> created = new ConcurrentLinkedQueue<>();
            queue = (Queue<Runnable>) TASKS.compareAndExchange(this, null, created);
            if (queue == null) {
                queue = created;
            }
        }
        return queue;
    }
}
