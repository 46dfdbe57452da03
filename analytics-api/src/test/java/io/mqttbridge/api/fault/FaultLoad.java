package io.mqttbridge.api.fault;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * The fault suite's clients: publishers that publish {@code <id>:<seq>} on {@code fault/<id>} one at a
 * time and remember which sequence numbers were acknowledged (a failed publish is retried with the
 * same number), and persistent subscribers that count every payload they receive.
 */
final class FaultLoad {

    static final String TOPIC_PREFIX = "fault/";

    private FaultLoad() {
    }

    /** A publisher; {@link #acked} holds the sequence numbers the broker acknowledged successfully. */
    abstract static class Publisher {
        final String id;
        final int version;
        final int qos;
        final Set<Long> acked = ConcurrentHashMap.newKeySet();
        final AtomicLong failures = new AtomicLong();
        private final long pauseMillis;
        private volatile boolean running = true;
        private Thread thread;

        Publisher(String id, int version, int qos, long pauseMillis) {
            this.id = id;
            this.version = version;
            this.qos = qos;
            this.pauseMillis = pauseMillis;
        }

        abstract void connect() throws Exception;

        /** @return whether the broker acknowledged the message without error */
        abstract boolean publishOnce(byte[] payload) throws InterruptedException;

        abstract void close();

        void start() throws Exception {
            connect();
            thread = new Thread(this::run, "fault-publisher-" + id);
            thread.start();
        }

        private void run() {
            long seq = 0;
            try {
                while (running) {
                    if (publishOnce((id + ":" + seq).getBytes(StandardCharsets.UTF_8))) {
                        acked.add(seq);
                        seq++;
                        Thread.sleep(pauseMillis);
                    } else {
                        failures.incrementAndGet();
                        Thread.sleep(200);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Stops publishing; a publish still waiting gets {@code drain} to complete. */
        void stop(Duration drain) throws InterruptedException {
            running = false;
            thread.join(drain.toMillis());
            if (thread.isAlive()) {
                thread.interrupt();
                thread.join(5_000);
            }
            close();
        }

        boolean stillRunning() {
            return running;
        }
    }

    /** MQTT 3.1.1 (Paho), persistent session, automatic reconnect: resends unacknowledged messages itself. */
    static final class Paho3Publisher extends Publisher {
        private final String uri;
        private MqttAsyncClient client;

        Paho3Publisher(String id, int qos, String uri, long pauseMillis) {
            super(id, 3, qos, pauseMillis);
            this.uri = uri;
        }

        @Override
        void connect() throws Exception {
            client = new MqttAsyncClient(uri, id, new MemoryPersistence());
            client.connect(options()).waitForCompletion(30_000);
        }

        @Override
        boolean publishOnce(byte[] payload) throws InterruptedException {
            IMqttDeliveryToken token;
            try {
                token = client.publish(TOPIC_PREFIX + id, payload, qos, false);
            } catch (MqttException e) {
                // Not connected (yet): nothing was sent.
                return false;
            }
            while (!token.isComplete()) {
                if (!stillRunning() && Thread.currentThread().isInterrupted()) {
                    throw new InterruptedException();
                }
                try {
                    token.waitForCompletion(1_000);
                } catch (MqttException e) {
                    if (e.getReasonCode() != MqttException.REASON_CODE_CLIENT_TIMEOUT) {
                        return completedAfterReconnect(token);
                    }
                }
            }
            return token.getException() == null || completedAfterReconnect(token);
        }

        /*
         * Paho fails the token when the connection is lost but, with a persistent session, keeps the
         * message and sends it again (DUP) after the reconnect until the broker acknowledges it. Publishing
         * the payload once more as a new message would be the test's own duplicate, so wait for Paho's
         * copy to be acknowledged (it leaves the pending tokens) instead.
         */
        private boolean completedAfterReconnect(IMqttDeliveryToken failed) throws InterruptedException {
            int messageId = failed.getMessageId();
            if (qos == 0 || messageId == 0 || !pending(messageId)) {
                return false;
            }
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (pending(messageId)) {
                if (System.nanoTime() > deadline || !stillRunning() && Thread.currentThread().isInterrupted()) {
                    return false;
                }
                Thread.sleep(50);
            }
            return true;
        }

        private boolean pending(int messageId) {
            for (IMqttDeliveryToken token : client.getPendingDeliveryTokens()) {
                if (token.getMessageId() == messageId) {
                    return true;
                }
            }
            return false;
        }

        @Override
        void close() {
            try {
                client.disconnectForcibly(1_000, 1_000);
                client.close(true);
            } catch (MqttException | RuntimeException e) {
                // closing anyway (Paho throws when closed twice)
            }
        }
    }

    /** MQTT 5 (HiveMQ client), session expiry one hour, automatic reconnect. */
    static final class Hive5Publisher extends Publisher {
        private final int port;
        private Mqtt5BlockingClient client;

        Hive5Publisher(String id, int qos, int port, long pauseMillis) {
            super(id, 5, qos, pauseMillis);
            this.port = port;
        }

        @Override
        void connect() {
            client = MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1").serverPort(port)
                    .automaticReconnect().initialDelay(200, TimeUnit.MILLISECONDS).maxDelay(2, TimeUnit.SECONDS)
                    .applyAutomaticReconnect().buildBlocking();
            client.connectWith().cleanStart(false).sessionExpiryInterval(3_600).send();
        }

        @Override
        boolean publishOnce(byte[] payload) {
            try {
                Mqtt5PublishResult result = client.publishWith().topic(TOPIC_PREFIX + id)
                        .qos(MqttQos.fromCode(qos)).payload(payload).send();
                return result.getError().isEmpty();
            } catch (RuntimeException e) {
                // An error reason code (0x80, 0x97) or the connection went away: not stored, resent later.
                return false;
            }
        }

        @Override
        void close() {
            try {
                client.disconnect();
            } catch (RuntimeException e) {
                // closing anyway
            }
        }
    }

    /** A persistent subscriber of {@code fault/#}; {@link #received} counts every payload. */
    abstract static class Subscriber {
        final String id;
        final int version;
        final int qos;
        final Map<String, AtomicInteger> received = new ConcurrentHashMap<>();
        final AtomicLong lastReceiveNanos = new AtomicLong();

        Subscriber(String id, int version, int qos) {
            this.id = id;
            this.version = version;
            this.qos = qos;
        }

        void record(byte[] payload) {
            received.computeIfAbsent(new String(payload, StandardCharsets.UTF_8), k -> new AtomicInteger())
                    .incrementAndGet();
            lastReceiveNanos.set(System.nanoTime());
        }

        abstract void start() throws Exception;

        abstract boolean isConnected();

        abstract void close();
    }

    static final class Paho3Subscriber extends Subscriber {
        private final String uri;
        private MqttAsyncClient client;

        Paho3Subscriber(String id, int qos, String uri) {
            super(id, 3, qos);
            this.uri = uri;
        }

        @Override
        void start() throws Exception {
            client = new MqttAsyncClient(uri, id, new MemoryPersistence());
            client.setCallback(new MqttCallbackExtended() {
                @Override public void connectComplete(boolean reconnect, String serverURI) { }
                @Override public void connectionLost(Throwable cause) { }
                @Override public void messageArrived(String topic, MqttMessage message) { record(message.getPayload()); }
                @Override public void deliveryComplete(IMqttDeliveryToken token) { }
            });
            client.connect(options()).waitForCompletion(30_000);
            client.subscribe(TOPIC_PREFIX + "#", qos).waitForCompletion(30_000);
        }

        @Override
        boolean isConnected() {
            return client.isConnected();
        }

        @Override
        void close() {
            try {
                client.disconnectForcibly(1_000, 1_000);
                client.close(true);
            } catch (MqttException | RuntimeException e) {
                // closing anyway (Paho throws when closed twice)
            }
        }
    }

    static final class Hive5Subscriber extends Subscriber {
        private final int port;
        private Mqtt5AsyncClient client;

        Hive5Subscriber(String id, int qos, int port) {
            super(id, 5, qos);
            this.port = port;
        }

        @Override
        void start() throws Exception {
            client = MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1").serverPort(port)
                    .automaticReconnect().initialDelay(200, TimeUnit.MILLISECONDS).maxDelay(2, TimeUnit.SECONDS)
                    .applyAutomaticReconnect().buildAsync();
            client.publishes(MqttGlobalPublishFilter.ALL, publish -> record(publish.getPayloadAsBytes()));
            client.connectWith().cleanStart(false).sessionExpiryInterval(3_600).send().get(30, TimeUnit.SECONDS);
            client.subscribeWith().topicFilter(TOPIC_PREFIX + "#").qos(MqttQos.fromCode(qos)).send()
                    .get(30, TimeUnit.SECONDS);
        }

        @Override
        boolean isConnected() {
            return client.getState().isConnected();
        }

        @Override
        void close() {
            try {
                client.disconnect().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                // closing anyway
            }
        }
    }

    private static MqttConnectOptions options() {
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        options.setCleanSession(false);
        options.setAutomaticReconnect(true);
        options.setMaxReconnectDelay(2_000);
        options.setKeepAliveInterval(10);
        options.setMaxInflight(100);
        return options;
    }
}
