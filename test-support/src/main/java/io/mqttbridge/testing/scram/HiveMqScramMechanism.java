package io.mqttbridge.testing.scram;

import com.hivemq.client.mqtt.datatypes.MqttUtf8String;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientConfig;
import com.hivemq.client.mqtt.mqtt5.auth.Mqtt5EnhancedAuthMechanism;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5Auth;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5AuthBuilder;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5EnhancedAuth;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5EnhancedAuthBuilder;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5Connect;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5Disconnect;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * SCRAM for the HiveMQ client (its enhanced-auth plug-in point), on {@link ScramClient}. The password
 * can change between connect and re-authentication; the outcomes are counted for assertions.
 */
public final class HiveMqScramMechanism implements Mqtt5EnhancedAuthMechanism {

    private final String method;
    private final String username;
    public volatile String password;
    private ScramClient exchange;
    public final AtomicInteger serverVerified = new AtomicInteger();
    public final AtomicInteger reauthSucceeded = new AtomicInteger();
    public final AtomicReference<Mqtt5Disconnect> reauthRejected = new AtomicReference<>();

    public HiveMqScramMechanism(String method, String username, String password) {
        this.method = method;
        this.username = username;
        this.password = password;
    }

    @Override
    public MqttUtf8String getMethod() {
        return MqttUtf8String.of(method);
    }

    @Override
    public int getTimeout() {
        return 10;
    }

    @Override
    public CompletableFuture<Void> onAuth(Mqtt5ClientConfig config, Mqtt5Connect connect, Mqtt5EnhancedAuthBuilder auth) {
        exchange = new ScramClient(method.startsWith("SCRAM") ? method : "SCRAM-SHA-256", username, password);
        auth.data(exchange.clientFirst().getBytes(StandardCharsets.UTF_8));
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> onReAuth(Mqtt5ClientConfig config, Mqtt5AuthBuilder auth) {
        exchange = new ScramClient(method, username, password);
        auth.data(exchange.clientFirst().getBytes(StandardCharsets.UTF_8));
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Boolean> onContinue(Mqtt5ClientConfig config, Mqtt5Auth auth, Mqtt5AuthBuilder next) {
        String serverFirst = text(auth.getData());
        next.data(exchange.clientFinal(serverFirst).getBytes(StandardCharsets.UTF_8));
        return CompletableFuture.completedFuture(true);
    }

    @Override
    public CompletableFuture<Boolean> onAuthSuccess(Mqtt5ClientConfig config, Mqtt5ConnAck connAck) {
        return CompletableFuture.completedFuture(verify(connAck.getEnhancedAuth().flatMap(Mqtt5EnhancedAuth::getData)));
    }

    @Override
    public CompletableFuture<Boolean> onReAuthSuccess(Mqtt5ClientConfig config, Mqtt5Auth auth) {
        boolean verified = verify(auth.getData());
        if (verified) {
            reauthSucceeded.incrementAndGet();
        }
        return CompletableFuture.completedFuture(verified);
    }

    private boolean verify(Optional<ByteBuffer> data) {
        boolean verified = data.isPresent() && exchange.verifyServerFinal(text(data));
        if (verified) {
            serverVerified.incrementAndGet();
        }
        return verified;
    }

    @Override
    public void onAuthRejected(Mqtt5ClientConfig config, Mqtt5ConnAck connAck) {
    }

    @Override
    public void onReAuthRejected(Mqtt5ClientConfig config, Mqtt5Disconnect disconnect) {
        reauthRejected.set(disconnect);
    }

    @Override
    public void onAuthError(Mqtt5ClientConfig config, Throwable cause) {
    }

    @Override
    public void onReAuthError(Mqtt5ClientConfig config, Throwable cause) {
    }

    private static String text(Optional<ByteBuffer> data) {
        ByteBuffer buffer = data.orElseThrow().duplicate();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
