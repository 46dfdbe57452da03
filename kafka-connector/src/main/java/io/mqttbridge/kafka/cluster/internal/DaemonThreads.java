package io.mqttbridge.kafka.cluster.internal;

import java.util.concurrent.ThreadFactory;

/** Threads of the cluster fabric: named after their job and node, daemons so that they never hold up an exit. */
public final class DaemonThreads {

    private DaemonThreads() {
    }

    public static ThreadFactory named(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
