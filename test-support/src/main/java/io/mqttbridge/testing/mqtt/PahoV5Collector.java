package io.mqttbridge.testing.mqtt;

import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

/**
 * The callback of a Paho MQTT 5 client in a test: records every message that arrives (topic and
 * message, in arrival order) and the reason code of every DISCONNECT from the server; ignores the
 * rest. Thread-safe: Paho calls it on its own threads, the test reads the lists (with Awaitility).
 * Subclasses that must react at once (a benchmark taking the time) override a method and call
 * {@code super}.
 *
 * <pre>{@code
 * PahoV5Collector collected = new PahoV5Collector();
 * client.setCallback(collected);
 * await().until(() -> collected.topics().contains("a/b"));
 * }</pre>
 */
public class PahoV5Collector implements MqttCallback {

    private final List<String> topics = new CopyOnWriteArrayList<>();
    private final List<MqttMessage> messages = new CopyOnWriteArrayList<>();
    private final List<Integer> disconnectCodes = new CopyOnWriteArrayList<>();

    private final BiConsumer<String, MqttMessage> alsoOnMessage;

    /** Records only. */
    public PahoV5Collector() {
        this((topic, message) -> { });
    }

    /**
     * Records, and hands each message to {@code alsoOnMessage} too (on Paho's thread), for a test that
     * keeps what arrives in its own form.
     */
    public PahoV5Collector(BiConsumer<String, MqttMessage> alsoOnMessage) {
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

    /** The reason codes of the server's DISCONNECT packets (live view). */
    public List<Integer> disconnectCodes() {
        return disconnectCodes;
    }

    @Override
    public void disconnected(MqttDisconnectResponse response) {
        disconnectCodes.add(response.getReturnCode());
    }

    @Override
    public void messageArrived(String topic, MqttMessage message) {
        topics.add(topic);
        messages.add(message);
        alsoOnMessage.accept(topic, message);
    }

    @Override
    public void mqttErrorOccurred(MqttException exception) {
    }

    @Override
    public void deliveryComplete(IMqttToken token) {
    }

    @Override
    public void connectComplete(boolean reconnect, String serverUri) {
    }

    @Override
    public void authPacketArrived(int reasonCode, MqttProperties properties) {
    }
}
