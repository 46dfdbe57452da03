package io.mqttbridge.broker.handler.publish;

import io.mqttbridge.broker.connection.ClientConnection;
import io.mqttbridge.broker.connection.ReadSuspension.Reason;
import io.mqttbridge.broker.spi.PublishSink;
import io.netty.channel.Channel;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Stops reading from publishing connections while the sink is not accepting publishes and resumes
 * them, each on its own event loop, when the sink's pressure listener says it may accept again.
 * The pause is one reason of the connection's {@link io.mqttbridge.broker.connection.ReadSuspension}:
 * reading resumes only when no other reason holds it.
 */
public final class BackPressure {

    private final PublishSink sink;
    private final Set<Channel> paused = ConcurrentHashMap.newKeySet();

    public BackPressure(PublishSink sink) {
        this.sink = sink;
        sink.addPressureListener(this::sinkPressureChanged);
    }

    /** Called on the connection's event loop after it handed a PUBLISH to the sink. */
    public void afterPublish(ClientConnection connection) {
        if (!sink.isAcceptingPublishes()) {
            Channel channel = connection.channel();
            connection.reading().pause(Reason.SINK_BACK_PRESSURE);
            paused.add(channel);
            if (sink.isAcceptingPublishes()) {
                // The sink recovered between the check and the registration: do not wait for the next signal.
                sinkPressureChanged();
            }
        }
    }

    /** How many connections are paused now. */
    public int pausedCount() {
        return paused.size();
    }

    private void sinkPressureChanged() {
        if (!sink.isAcceptingPublishes()) {
            return;
        }
        for (Channel channel : paused) {
            if (paused.remove(channel)) {
                channel.eventLoop().execute(() -> {
                    ClientConnection connection = ClientConnection.of(channel);
                    if (connection != null) {
                        connection.resumeReading(Reason.SINK_BACK_PRESSURE);
                    }
                });
            }
        }
    }

    public void forget(Channel channel) {
        paused.remove(channel);
    }
}
