package io.mqttbridge.testing.mqtt;

import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttMessage;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The callback of a Paho MQTT 3.1.1 client in a test: records every message that arrives (topic and
 * message, in arrival order) and why the connection was lost. Thread-safe: Paho calls it on its own
 * threads, the test reads the lists (with Awaitility).
 */
public class PahoV3Collector implements MqttCallback {

    private final List<String> topics = new CopyOnWriteArrayList<>();
    private final List<MqttMessage> messages = new CopyOnWriteArrayList<>();
    private final AtomicReference<Throwable> lost = new AtomicReference<>();

    private final BiConsumer<String, MqttMessage> alsoOnMessage;

    /** Records only. */
    public PahoV3Collector() {
        this((topic, message) -> { });
    }

    /**
     * Records, and hands each message to {@code alsoOnMessage} too (on Paho's thread), for a test that
     * keeps what arrives in its own form.
     */
    public PahoV3Collector(BiConsumer<String, MqttMessage> alsoOnMessage) {
        this.alsoOnMessage = alsoOnMessage;
    }

    /** Topics of the messages that arrived, in arrival order (live view). */
    public List<String> topics() {
        return topics;
    }

    /** The messages that arrived, in arrival order (live view). */
    public List<MqttMessage> messages() {
        return messages;
    }

    /** The payloads as UTF-8 text, in arrival order (a copy). */
    public List<String> payloads() {
        return messages.stream().map(m -> new String(m.getPayload(), StandardCharsets.UTF_8)).toList();
    }

    /** Why the connection was lost last, or {@code null} while it was not. */
    public Throwable lost() {
        return lost.get();
    }

    @Override
    public void messageArrived(String topic, MqttMessage message) {
        topics.add(topic);
        messages.add(message);
        alsoOnMessage.accept(topic, message);
    }

    @Override
    public void connectionLost(Throwable cause) {
        lost.set(cause);
    }

    @Override
    public void deliveryComplete(IMqttDeliveryToken token) {
    }
}
