package io.mqttbridge.broker.auth;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.broker.e2e.TestBroker;
import io.mqttbridge.broker.listener.ClientAuth;
import io.mqttbridge.broker.listener.ListenerConfig;
import io.mqttbridge.broker.listener.TestCertificates;
import io.mqttbridge.broker.listener.TlsConfig;
import io.mqttbridge.broker.listener.Transport;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.PublishSink;
import io.mqttbridge.broker.spi.SessionListener;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Certificate and per-listener authentication on a real broker with mutual-TLS listeners. */
class CertificateListenersTest {

    @TempDir
    static Path dir;
    static TestCertificates certs;

    @BeforeAll
    static void certificates() throws IOException {
        certs = TestCertificates.create(dir);
        certs.client("device-1", "ca", "device-1", "DNS:device-1.example,URI:urn:device:d-1");
    }

    static ListenerConfig listener(String name, Transport transport, TlsConfig tls) {
        ListenerConfig listener = new ListenerConfig(name, transport, "127.0.0.1", 0);
        listener.setTls(tls);
        return listener;
    }

    static Consumer<BrokerConfig> listeners(ListenerConfig... listeners) {
        return config -> config.setListeners(List.of(listeners));
    }

    static TlsConfig mutualTls(ClientAuth clientAuth) {
        TlsConfig tls = new TlsConfig();
        tls.setCertificateFile(certs.file("server.crt").toString());
        tls.setPrivateKeyFile(certs.file("server.key").toString());
        tls.setClientAuth(clientAuth);
        tls.setTrustedCaFile(certs.file("ca.crt").toString());
        return tls;
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
    void certificateAuthenticatorMakesTheCertificateSubjectTheDeviceIdentity() throws Exception {
        CertificateAuthConfig config = new CertificateAuthConfig();
        config.setIdentityField(CertificateAuthConfig.IdentityField.SAN_URI);
        config.setSanPrefix("urn:device:");
        try (TestBroker broker = new TestBroker(listeners(listener("mtls", Transport.TLS, mutualTls(ClientAuth.REQUIRED))),
                new CertificateAuthenticator(config), Authorizer.ALLOW_ALL, PublishSink.NONE, SessionListener.NONE)) {
            int port = broker.broker.port("mtls");
            Mqtt5BlockingClient device = tlsClient(port, "d-1", "device-1");
            device.connect();
            assertThat(broker.broker.connection("d-1")).get()
                    .satisfies(info -> assertThat(info.identity().deviceId()).isEqualTo("d-1"));
            device.disconnect();
            assertThatThrownBy(() -> tlsClient(port, "impostor", "device-1").connect())
                    .isInstanceOf(Mqtt5ConnAckException.class)
                    .satisfies(e -> assertThat(((Mqtt5ConnAckException) e).getMqttMessage().getReasonCode())
                            .isEqualTo(Mqtt5ConnAckReasonCode.CLIENT_IDENTIFIER_NOT_VALID));
        }
    }

    @Test
    void eachListenerCanHaveItsOwnAuthentication() throws Exception {
        Authenticator certificatesOnly = new CertificateAuthenticator(new CertificateAuthConfig());
        Authenticator authenticator = new ListenerAuthenticator(java.util.Map.of("mtls", certificatesOnly),
                Authenticator.ALLOW_ALL);
        List<String> listenersSeen = new CopyOnWriteArrayList<>();
        Authenticator recording = request -> {
            listenersSeen.add(request.listenerName());
            return authenticator.authenticate(request);
        };
        try (TestBroker broker = new TestBroker(listeners(listener("open", Transport.TCP, null),
                listener("mtls", Transport.TLS, mutualTls(ClientAuth.OPTIONAL))),
                recording, Authorizer.ALLOW_ALL, PublishSink.NONE, SessionListener.NONE)) {
            Mqtt5BlockingClient open = MqttClient.builder().useMqttVersion5().identifier("open")
                    .serverHost("127.0.0.1").serverPort(broker.broker.port("open")).buildBlocking();
            open.connect();
            open.disconnect();
            assertThatThrownBy(() -> tlsClient(broker.broker.port("mtls"), "no-cert", null).connect())
                    .isInstanceOf(Mqtt5ConnAckException.class)
                    .satisfies(e -> assertThat(((Mqtt5ConnAckException) e).getMqttMessage().getReasonCode())
                            .isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD));
            assertThat(listenersSeen).containsExactly("open", "mtls");
        }
    }
}
