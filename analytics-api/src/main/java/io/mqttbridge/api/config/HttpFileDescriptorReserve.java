package io.mqttbridge.api.config;

import io.mqttbridge.broker.limits.FileDescriptorBudget;
import java.nio.channels.SelectableChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.io.SelectorManager;
import org.eclipse.jetty.util.IO;

/**
 * Keeps HTTP connections, like MQTT ones, from taking the process's last {@code limits.fileDescriptorReserve}
 * file descriptors. {@code apiMaxConnections} bounds each connector, not the process: with MQTT connections
 * up to the reserve, a few hundred API connections took the embedded Kafka's last descriptors, and its
 * failed index flush halted the process. A connection accepted beyond the reserve is closed at once, before
 * Jetty makes an endpoint of it or reads from it; the budget counts it in
 * {@value HttpConnectionLimits#FILE_DESCRIPTORS_REFUSED}.
 *
 * <p>A bean of each connector. Threading: {@link #onAccepting} runs on acceptor threads, the other
 * callbacks on selector threads; the budget's counters are atomic.
 */
final class HttpFileDescriptorReserve implements SelectorManager.AcceptListener {

    private final FileDescriptorBudget budget;
    /*
     * Closed in onAccepting without being counted: Jetty reports them as failed accepts, which must not
     * release a count they never took. Each is removed at that report, moments later.
     */
    private final Set<SelectableChannel> uncounted = ConcurrentHashMap.newKeySet();

    HttpFileDescriptorReserve(FileDescriptorBudget budget) {
        this.budget = budget;
    }

    @Override
    public void onAccepting(SelectableChannel channel) {
        // A channel closed already (apiMaxConnections' limit, a bean of the connector too) costs no descriptor.
        if (!channel.isOpen() || !budget.tryAdmit()) {
            uncounted.add(channel);
            IO.close(channel);
        }
    }

    @Override
    public void onAcceptFailed(SelectableChannel channel, Throwable cause) {
        if (!uncounted.remove(channel)) {
            budget.release();
        }
    }

    @Override
    public void onClosed(SelectableChannel channel) {
        budget.release();
    }
}
