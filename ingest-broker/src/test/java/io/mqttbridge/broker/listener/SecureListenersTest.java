package io.mqttbridge.broker.listener;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.broker.e2e.TestBroker;
import io.mqttbridge.broker.spi.AuthenticationRequest;
import io.mqttbridge.broker.spi.AuthenticationResult;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.DeviceIdentity;
import io.mqttbridge.broker.spi.PublishSink;
import io.mqttbridge.broker.spi.SessionListener;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class SecureListenersTest {

    @TempDir
    static Path dir;
    static TestCertificates certs;

    @BeforeAll
    static void certificates() throws IOException {
        certs = TestCertificates.create(dir);
        certs.client("device-1", "ca", "device-1", "DNS:device-1.example,URI:urn:device:d-1");
        certs.ca("rogue-ca", "Rogue CA");
        certs.client("rogue", "rogue-ca", "device-1", null);
    }

    static TlsConfig pemTls() {
        TlsConfig tls = new TlsConfig();
        tls.setCertificateFile(certs.file("server.crt").toString());
        tls.setPrivateKeyFile(certs.file("server.key").toString());
        return tls;
    }

    static ListenerConfig listener(String name, Transport transport, TlsConfig tls) {
        ListenerConfig listener = new ListenerConfig(name, transport, "127.0.0.1", 0);
        listener.setTls(tls);
        return listener;
    }

    static Consumer<BrokerConfig> listeners(ListenerConfig... listeners) {
        return config -> config.setListeners(List.of(listeners));
    }

    static Mqtt5BlockingClient tlsClient(int port, String id, String clientCertName) throws Exception {
        var ssl = MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1").serverPort(port)
                .sslConfig()
                .trustManagerFactory(certs.trustManagers("ca"))
                .protocols(List.of("TLSv1.3"));
        if (clientCertName != null) {
            ssl = ssl.keyManagerFactory(certs.keyManagers(clientCertName));
        }
        return ssl.applySslConfig().buildBlocking();
    }

    @Test
    void withoutListenerListTheBrokerOpensOneTcpListenerNamedDefault() {
        try (TestBroker broker = TestBroker.start()) {
            assertThat(broker.broker.ports()).containsOnlyKeys(BrokerConfig.DEFAULT_LISTENER_NAME);
            assertThat(broker.broker.port(BrokerConfig.DEFAULT_LISTENER_NAME)).isEqualTo(broker.port()).isPositive();
        }
    }

    @Test
    void tls13ClientReceivesWhatATcpClientPublishes() throws Exception {
        try (TestBroker broker = TestBroker.start(listeners(listener("plain", Transport.TCP, null),
                listener("secure", Transport.TLS, pemTls())))) {
            Mqtt5BlockingClient subscriber = tlsClient(broker.broker.port("secure"), "tls-sub", null);
            subscriber.connect();
            subscriber.subscribeWith().topicFilter("t/#").qos(MqttQos.AT_LEAST_ONCE).send();
            var publishes = subscriber.publishes(MqttGlobalPublishFilter.ALL);
            Mqtt5BlockingClient publisher = MqttClient.builder().useMqttVersion5().identifier("tcp-pub")
                    .serverHost("127.0.0.1").serverPort(broker.broker.port("plain")).buildBlocking();
            publisher.connect();
            publisher.publishWith().topic("t/1").payload("hello".getBytes(StandardCharsets.UTF_8))
                    .qos(MqttQos.AT_LEAST_ONCE).send();
            Optional<com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish> received =
                    publishes.receive(10, TimeUnit.SECONDS);
            assertThat(received).isPresent();
            assertThat(new String(received.get().getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("hello");
            publisher.disconnect();
            subscriber.disconnect();
        }
    }

    @Test
    void tlsHandshakeNegotiatesTls13WithAModernSuite() throws Exception {
        try (TestBroker broker = TestBroker.start(listeners(listener("secure", Transport.TLS, pemTls())));
             SSLSocket socket = (SSLSocket) certs.clientContext("ca", null, "TLS").getSocketFactory()
                     .createSocket("127.0.0.1", broker.broker.port("secure"))) {
            socket.startHandshake();
            assertThat(socket.getSession().getProtocol()).isEqualTo("TLSv1.3");
            assertThat(TlsConfig.DEFAULT_CIPHER_SUITES).contains(socket.getSession().getCipherSuite());
        }
    }

    @Test
    void tls12ClientIsAcceptedWithAForwardSecretAeadSuite() throws Exception {
        try (TestBroker broker = TestBroker.start(listeners(listener("secure", Transport.TLS, pemTls())));
             SSLSocket socket = (SSLSocket) certs.clientContext("ca", null, "TLS").getSocketFactory()
                     .createSocket("127.0.0.1", broker.broker.port("secure"))) {
            socket.setEnabledProtocols(new String[] {"TLSv1.2"});
            socket.startHandshake();
            assertThat(socket.getSession().getProtocol()).isEqualTo("TLSv1.2");
            assertThat(socket.getSession().getCipherSuite()).startsWith("TLS_ECDHE_ECDSA_WITH_").doesNotContain("CBC");
        }
    }

    @Test
    void clientOfferingOnlyALegacyCbcSuiteIsRefused() throws Exception {
        try (TestBroker broker = TestBroker.start(listeners(listener("secure", Transport.TLS, pemTls())));
             SSLSocket socket = (SSLSocket) certs.clientContext("ca", null, "TLS").getSocketFactory()
                     .createSocket("127.0.0.1", broker.broker.port("secure"))) {
            socket.setEnabledProtocols(new String[] {"TLSv1.2"});
            socket.setEnabledCipherSuites(new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"});
            assertThatThrownBy(socket::startHandshake).isInstanceOf(IOException.class);
        }
    }

    @Test
    void pkcs12KeyStoreServesTheSameCertificate() throws Exception {
        TlsConfig tls = new TlsConfig();
        tls.setKeyStoreFile(certs.file("server.p12").toString());
        tls.setKeyStorePassword(TestCertificates.PASSWORD);
        try (TestBroker broker = TestBroker.start(listeners(listener("p12", Transport.TLS, tls)))) {
            org.eclipse.paho.client.mqttv3.MqttClient client = new org.eclipse.paho.client.mqttv3.MqttClient(
                    "ssl://127.0.0.1:" + broker.broker.port("p12"), "paho-tls", new MemoryPersistence());
            MqttConnectOptions options = new MqttConnectOptions();
            options.setSocketFactory(certs.clientContext("ca", null, "TLSv1.3").getSocketFactory());
            client.connect(options);
            assertThat(client.isConnected()).isTrue();
            client.disconnect();
            client.close();
        }
    }

    @Test
    void changedCertificateFilesAreUsedForNewConnectionsWithoutRestart(@TempDir Path serverDir) throws Exception {
        Files.copy(certs.file("server.crt"), serverDir.resolve("server.crt"));
        Files.copy(certs.file("server.key"), serverDir.resolve("server.key"));
        TlsConfig tls = new TlsConfig();
        tls.setCertificateFile(serverDir.resolve("server.crt").toString());
        tls.setPrivateKeyFile(serverDir.resolve("server.key").toString());
        tls.setReloadIntervalSeconds(1);
        certs.ca("ca2", "Second CA");
        certs.signed("server2", "ca2", "localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1");
        try (TestBroker broker = TestBroker.start(listeners(listener("secure", Transport.TLS, tls)))) {
            int port = broker.broker.port("secure");
            Mqtt5BlockingClient before = tlsClient(port, "before-reload", null);
            before.connect();

            Files.copy(certs.file("server2.key"), serverDir.resolve("server.key"), StandardCopyOption.REPLACE_EXISTING);
            Files.copy(certs.file("server2.crt"), serverDir.resolve("server.crt"), StandardCopyOption.REPLACE_EXISTING);

            await().atMost(15, TimeUnit.SECONDS).until(() -> handshakeSucceeds(port, "ca2"));
            assertThat(handshakeSucceeds(port, "ca")).isFalse();
            assertThat(before.getState().isConnected()).isTrue();
            before.disconnect();
        }
    }

    private static boolean handshakeSucceeds(int port, String trustedCa) throws Exception {
        try (SSLSocket socket = (SSLSocket) certs.clientContext(trustedCa, null, "TLS").getSocketFactory()
                .createSocket("127.0.0.1", port)) {
            socket.startHandshake();
            return true;
        } catch (SSLHandshakeException e) {
            return false;
        }
    }

    static TlsConfig mutualTls(ClientAuth clientAuth) {
        TlsConfig tls = pemTls();
        tls.setClientAuth(clientAuth);
        tls.setTrustedCaFile(certs.file("ca.crt").toString());
        return tls;
    }

    @Test
    void requiredClientCertificateIsVerifiedAndHandedToTheAuthenticator() throws Exception {
        List<AuthenticationRequest> requests = new CopyOnWriteArrayList<>();
        Authenticator recording = request -> {
            requests.add(request);
            return CompletableFuture.completedFuture(AuthenticationResult.success(
                    new DeviceIdentity("d", null, request.clientId(), null)));
        };
        try (TestBroker broker = new TestBroker(listeners(listener("mtls", Transport.TLS, mutualTls(ClientAuth.REQUIRED))),
                recording, Authorizer.ALLOW_ALL, PublishSink.NONE, SessionListener.NONE)) {
            int port = broker.broker.port("mtls");
            Mqtt5BlockingClient device = tlsClient(port, "device-1", "device-1");
            device.connect();
            assertThat(requests).hasSize(1);
            assertThat(requests.get(0).clientCertificate()).isNotNull();
            assertThat(requests.get(0).clientCertificate().getSubjectX500Principal().getName()).isEqualTo("CN=device-1");
            device.disconnect();

            assertThat(untrustedCertificateIsRefused(port)).isTrue();
            assertThatThrownBy(() -> tlsClient(port, "no-cert", null).connect()).isNotNull();
            assertThat(requests).hasSize(1);
        }
    }

    /** Presents the rogue CA's certificate regardless of the server's issuer list; true when the server ends the connection. */
    private static boolean untrustedCertificateIsRefused(int port) throws Exception {
        try (SSLSocket socket = (SSLSocket) certs.forcedClientContext("ca", "rogue").getSocketFactory()
                .createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            try {
                socket.startHandshake();
                // TLS 1.3: the server judges the client certificate after the client's Finished.
                socket.getOutputStream().write(new byte[] {0x10, 0x0D, 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 60, 0, 1, 'r'});
                return socket.getInputStream().read() == -1;
            } catch (IOException e) {
                return true;
            }
        }
    }

    @Test
    void optionalClientCertificateLetsClientsWithoutOneIn() throws Exception {
        List<AuthenticationRequest> requests = new CopyOnWriteArrayList<>();
        Authenticator recording = request -> {
            requests.add(request);
            return Authenticator.ALLOW_ALL.authenticate(request);
        };
        try (TestBroker broker = new TestBroker(listeners(listener("mtls", Transport.TLS, mutualTls(ClientAuth.OPTIONAL))),
                recording, Authorizer.ALLOW_ALL, PublishSink.NONE, SessionListener.NONE)) {
            int port = broker.broker.port("mtls");
            Mqtt5BlockingClient anonymous = tlsClient(port, "no-cert", null);
            anonymous.connect();
            assertThat(requests.get(0).clientCertificate()).isNull();
            anonymous.disconnect();
            assertThat(untrustedCertificateIsRefused(port)).isTrue();
            assertThat(requests).hasSize(1);
        }
    }

    @Test
    void missingCertificateFileFailsStartNamingTheKey() {
        TlsConfig tls = new TlsConfig();
        tls.setCertificateFile(dir.resolve("nope.crt").toString());
        tls.setPrivateKeyFile(dir.resolve("nope.key").toString());
        assertThatThrownBy(() -> TestBroker.start(listeners(listener("broken", Transport.TLS, tls))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("listeners[0].tls")
                .hasMessageContaining("nope.crt");
    }

    @Test
    void pahoConnectsOverWebSocketAndHiveMqOverSecureWebSocket() throws Exception {
        try (TestBroker broker = TestBroker.start(listeners(listener("ws", Transport.WS, null),
                listener("wss", Transport.WSS, pemTls())))) {
            Mqtt5BlockingClient wssSubscriber = MqttClient.builder().useMqttVersion5().identifier("wss-sub")
                    .serverHost("127.0.0.1").serverPort(broker.broker.port("wss"))
                    .sslConfig().trustManagerFactory(certs.trustManagers("ca")).applySslConfig()
                    .webSocketConfig().serverPath("mqtt").applyWebSocketConfig()
                    .buildBlocking();
            wssSubscriber.connect();
            wssSubscriber.subscribeWith().topicFilter("ws/#").qos(MqttQos.EXACTLY_ONCE).send();
            var publishes = wssSubscriber.publishes(MqttGlobalPublishFilter.ALL);

            org.eclipse.paho.client.mqttv3.MqttClient wsPublisher = new org.eclipse.paho.client.mqttv3.MqttClient(
                    "ws://127.0.0.1:" + broker.broker.port("ws") + "/mqtt", "ws-pub", new MemoryPersistence());
            wsPublisher.connect();
            byte[] large = new byte[100_000];
            large[99_999] = 42;
            wsPublisher.publish("ws/big", large, 2, false);
            wsPublisher.publish("ws/small", "x".getBytes(StandardCharsets.UTF_8), 1, false);

            var first = publishes.receive(10, TimeUnit.SECONDS);
            var second = publishes.receive(10, TimeUnit.SECONDS);
            assertThat(first).isPresent();
            assertThat(first.get().getPayloadAsBytes()).isEqualTo(large);
            assertThat(second).isPresent();
            assertThat(second.get().getTopic().toString()).isEqualTo("ws/small");
            wsPublisher.disconnect();
            wsPublisher.close();
            wssSubscriber.disconnect();
        }
    }

    @Test
    void webSocketOnAnotherPathIsRefused() {
        try (TestBroker broker = TestBroker.start(listeners(listener("ws", Transport.WS, null)))) {
            assertThatThrownBy(() -> {
                org.eclipse.paho.client.mqttv3.MqttClient client = new org.eclipse.paho.client.mqttv3.MqttClient(
                        "ws://127.0.0.1:" + broker.broker.port("ws") + "/other", "ws-other", new MemoryPersistence());
                client.connect();
            }).isInstanceOf(MqttException.class);
        }
    }
}
