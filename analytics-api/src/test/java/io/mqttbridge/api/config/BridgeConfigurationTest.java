package io.mqttbridge.api.config;

import io.dropwizard.configuration.ConfigurationException;
import io.dropwizard.configuration.ConfigurationSourceProvider;
import io.dropwizard.configuration.EnvironmentVariableSubstitutor;
import io.dropwizard.configuration.FileConfigurationSourceProvider;
import io.dropwizard.configuration.SubstitutingSourceProvider;
import io.dropwizard.configuration.ConfigurationFactory;
import io.dropwizard.configuration.DefaultConfigurationFactoryFactory;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.jersey.validation.Validators;
import io.mqttbridge.api.BridgeConfiguration;
import io.mqttbridge.broker.listener.Transport;
import io.mqttbridge.kafka.mirror.KeyStrategy;
import org.apache.commons.text.StringSubstitutor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The YAML the bridge reads binds to every module's configuration classes, with the same object
 * mapper and validator Dropwizard uses at start-up.
 */
class BridgeConfigurationTest {

    // The same factory the application's commands use (it makes unknown keys errors).
    private final ConfigurationFactory<BridgeConfiguration> factory = new DefaultConfigurationFactoryFactory<BridgeConfiguration>()
            .create(BridgeConfiguration.class, Validators.newValidator(), Jackson.newObjectMapper(), "dw");

    private BridgeConfiguration parse(String yaml) throws Exception {
        ConfigurationSourceProvider inline = path -> new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8));
        return factory.build(inline, "inline.yml");
    }

    @Test
    void theShippedConfigFileBindsWithEmbeddedServicesAndAllRoles() throws Exception {
        Path configFile = Path.of("..", "config.yml");
        assertThat(configFile).exists();
        BridgeConfiguration config = factory.build(new SubstitutingSourceProvider(
                new FileConfigurationSourceProvider(), new EnvironmentVariableSubstitutor(false)), configFile.toString());

        assertThat(config.getRoles()).isEqualTo(EnumSet.allOf(Role.class));
        assertThat(config.getBroker().getPort()).isEqualTo(1883);
        assertThat(config.getKafka().usesEmbeddedKafka()).isTrue();
        assertThat(config.getDatabase().isEmbedded()).isTrue();
        assertThat(config.getKafka().getMirrorRules()).singleElement()
                .satisfies(rule -> assertThat(rule.getKafkaTopic()).isEqualTo("mqtt.messages"));
        assertThat(config.getMqttAuth().getFile().isAllowAnonymous()).isTrue();
        assertThat(((io.dropwizard.core.server.DefaultServerFactory) config.getServerFactory()).getAdminConnectors())
                .singleElement().satisfies(c -> assertThat(((io.dropwizard.jetty.HttpConnectorFactory) c).getBindHost())
                        .isEqualTo("127.0.0.1"));
        config.getKafka().validate();
        config.getDatabase().validate();
        assertThat(config.getBroker().effectiveListeners())
                .extracting(l -> l.getName() + " " + l.getTransport() + " " + l.getPort())
                .containsExactly("default TCP 1883", "wss WSS 8443");
        // The WSS listener has no certificate in the file: the console generates one before the broker starts.
        try (var console = io.mqttbridge.api.console.ConsoleLiveAccess.prepare(config.getConsole(), config.getBroker(),
                java.nio.file.Files.createTempDirectory("bridge-config-"))) {
            assertThat(console.listener()).hasValueSatisfying(l -> assertThat(l.getTls().getKeyStoreFile()).endsWith("wss.p12"));
        }
        config.getBroker().validate();
    }

    @Test
    void adminConnectorsWithoutABindHostListenOnLoopbackOnlyAndAConfiguredOneIsKept() throws Exception {
        BridgeConfiguration defaults = parse("nodeId: n\n");
        AdminConnectors.bindToLoopbackUnlessConfigured(defaults.getServerFactory());
        assertThat(((io.dropwizard.core.server.DefaultServerFactory) defaults.getServerFactory()).getAdminConnectors())
                .allSatisfy(c -> assertThat(((io.dropwizard.jetty.HttpConnectorFactory) c).getBindHost()).isEqualTo("127.0.0.1"));

        BridgeConfiguration configured = parse("""
                server:
                  adminConnectors:
                    - {type: http, port: 0, bindHost: 0.0.0.0}
                """);
        AdminConnectors.bindToLoopbackUnlessConfigured(configured.getServerFactory());
        assertThat(((io.dropwizard.core.server.DefaultServerFactory) configured.getServerFactory()).getAdminConnectors())
                .singleElement().satisfies(c -> assertThat(((io.dropwizard.jetty.HttpConnectorFactory) c).getBindHost())
                        .isEqualTo("0.0.0.0"));
    }

    @Test
    void theDockerComposeClusterNodeConfigBindsWithClusteringOnAndAWebSocketListener() throws Exception {
        Path configFile = Path.of("..", "deploy", "cluster", "bridge.yml");
        assertThat(configFile).exists();
        // docker-compose.yml passes the REST token's hash; without it the node refuses to start.
        assertThatThrownBy(() -> factory.build(new SubstitutingSourceProvider(new FileConfigurationSourceProvider(),
                new EnvironmentVariableSubstitutor(false)), configFile.toString()))
                .hasMessageContaining("apiAuth.tokens[0].tokenSha256");
        String tokenSha256 = "ab".repeat(32);
        StringSubstitutor withToken = new StringSubstitutor(
                name -> name.equals("API_ADMIN_TOKEN_SHA256") ? tokenSha256 : System.getenv(name));
        BridgeConfiguration config = factory.build(new SubstitutingSourceProvider(
                new FileConfigurationSourceProvider(), withToken), configFile.toString());

        assertThat(config.getApiAuth().getTokens()).singleElement()
                .satisfies(token -> assertThat(token.getTokenSha256()).isEqualTo(tokenSha256));
        assertThat(config.getKafka().getCluster().isEnabled()).isTrue();
        assertThat(config.getKafka().getCluster().getReplicationFactor()).isEqualTo((short) 1);
        assertThat(config.getBroker().effectiveListeners())
                .extracting(l -> l.getName() + " " + l.getTransport() + " " + l.getPort())
                .containsExactly("default TCP 1883", "ws WS 8083", "wss WSS 8443");
        config.getKafka().validate();
    }

    @Test
    void theClusterSectionIsOffByDefaultAndBindsFromYaml() throws Exception {
        assertThat(parse("nodeId: n1\n").getKafka().getCluster().isEnabled()).isFalse();
        BridgeConfiguration config = parse("""
                nodeId: node-7
                kafka:
                  cluster:
                    enabled: true
                    topicPrefix: fleet.cluster
                    inboxPartitions: 12
                    nodeTimeoutMs: 8000
                """);
        assertThat(config.getKafka().getCluster().getTopicPrefix()).isEqualTo("fleet.cluster");
        assertThat(config.getKafka().getCluster().getInboxPartitions()).isEqualTo(12);
        assertThat(config.getKafka().getCluster().getNodeTimeoutMs()).isEqualTo(8000);
    }

    @Test
    void everySectionBindsFromYaml() throws Exception {
        BridgeConfiguration config = parse("""
                nodeId: edge-7
                roles: [BROKER, API]
                broker:
                  maxPacketSize: 65536
                  listeners:
                    - {name: plain, transport: TCP, port: 0}
                    - {name: web, transport: WS, port: 0, webSocketPath: /ws}
                  limits:
                    maxSubscriptionsPerClient: 50
                mqttAuth:
                  useDeviceRegistry: false
                  file:
                    allowAnonymous: false
                    defaultAcl:
                      - {permission: allow, action: publish, topic: "devices/%c/#"}
                  certificate:
                    identityField: SAN_URI
                    sanPrefix: "urn:device:"
                  jwt:
                    sharedSecret: 0123456789abcdef0123456789abcdef
                    issuer: https://issuer.example/
                kafka:
                  bootstrapServers: 127.0.0.1:9092
                  mirrorRules:
                    - {mqttTopicFilter: "telemetry/#", kafkaTopic: "telemetry.{2}", keyStrategy: TOPIC}
                  downlink:
                    topics: [commands]
                    qos: 1
                database:
                  jdbcUrl: jdbc:postgresql://127.0.0.1:5432/bridge
                  retentionDays: 7
                  deadPeerTimeoutSeconds: 30
                historyWriter:
                  batchSize: 500
                apiAuth:
                  tokens:
                    - {name: dash, tokenSha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08, role: READ_ONLY}
                """);

        assertThat(config.getNodeId()).isEqualTo("edge-7");
        assertThat(config.getRoles()).containsExactlyInAnyOrder(Role.BROKER, Role.API);
        assertThat(config.getBroker().getListeners()).extracting(l -> l.getTransport())
                .containsExactly(Transport.TCP, Transport.WS);
        assertThat(config.getBroker().getLimits().getMaxSubscriptionsPerClient()).isEqualTo(50);
        assertThat(config.getMqttAuth().isUseDeviceRegistry()).isFalse();
        assertThat(config.getMqttAuth().getFile().getDefaultAcl()).hasSize(1);
        assertThat(config.getMqttAuth().getCertificate().getSanPrefix()).isEqualTo("urn:device:");
        assertThat(config.getMqttAuth().getJwt().getIssuer()).isEqualTo("https://issuer.example/");
        assertThat(config.getKafka().usesEmbeddedKafka()).isFalse();
        assertThat(config.getKafka().getMirrorRules().get(0).getKeyStrategy()).isEqualTo(KeyStrategy.TOPIC);
        assertThat(config.getKafka().getDownlink().getTopics()).containsExactly("commands");
        assertThat(config.getDatabase().getRetentionDays()).isEqualTo(7);
        assertThat(config.getDatabase().getDeadPeerTimeoutSeconds()).isEqualTo(30);
        config.getDatabase().validate();
        assertThatThrownBy(() -> config.getDatabase().setDeadPeerTimeoutSeconds(3).validate())
                .hasMessageContaining("deadPeerTimeoutSeconds must be 0");
        assertThat(config.getHistoryWriter().getBatchSize()).isEqualTo(500);
        assertThat(config.getApiAuth().getTokens()).hasSize(1);
        config.getBroker().validate();
        config.getKafka().validate();
        config.getMqttAuth().getJwt().validate();
    }

    @Test
    void aMisspelledKeyFailsStartupNamingIt() {
        assertThatThrownBy(() -> parse("broker:\n  prot: 1884\n"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("broker.prot");
    }

    @Test
    void anInvalidValueFailsStartupNamingTheKey() {
        assertThatThrownBy(() -> parse("apiAuth:\n  tokens:\n    - {name: x, tokenSha256: not-a-hash}\n"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("apiAuth.tokens[0].tokenSha256");
    }

    @Test
    void corsIsOffByDefaultAndItsOriginsAreCheckedAtStartup() throws Exception {
        assertThat(parse("nodeId: n\n").getApiCors().isEnabled()).isFalse();
        assertThat(parse("apiCors:\n  allowedOrigins: ['https://dash.example.com', 'http://localhost:3000']\n")
                .getApiCors().getAllowedOrigins()).containsExactly("https://dash.example.com", "http://localhost:3000");
        assertThatThrownBy(() -> parse("apiCors:\n  allowedOrigins: ['https://dash.example.com/']\n"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("apiCors.allowedOrigins").hasMessageContaining("must be an origin");
        assertThatThrownBy(() -> parse("apiCors:\n  allowedOrigins: ['*']\n  allowCredentials: true\n"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("allowCredentials must be false when allowedOrigins contains *");
    }

    @Test
    void theRequestBodyLimitHasADefaultAndAFloor() throws Exception {
        assertThat(parse("nodeId: n\n").getApiMaxRequestBodyBytes()).isEqualTo(1024 * 1024);
        assertThat(parse("apiMaxRequestBodyBytes: 65536\n").getApiMaxRequestBodyBytes()).isEqualTo(65536);
        assertThatThrownBy(() -> parse("apiMaxRequestBodyBytes: 10\n"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("apiMaxRequestBodyBytes");
    }

    @Test
    void theHttpConnectionBoundHasADefaultAndRefusesANegativeValue() throws Exception {
        assertThat(parse("nodeId: n\n").getApiMaxConnections()).isEqualTo(1000);
        assertThat(parse("apiMaxConnections: 0\n").getApiMaxConnections()).isZero();
        assertThatThrownBy(() -> parse("apiMaxConnections: -1\n"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("apiMaxConnections");
    }

    @Test
    void theDiskGuardIsOnByDefaultBindsAndIsCheckedNamingTheKey() throws Exception {
        BridgeConfiguration defaults = parse("nodeId: n\n");
        assertThat(defaults.getDiskGuard().isEnabled()).isTrue();
        assertThat(defaults.getDiskGuard().getMinFreeBytes()).isEqualTo(512L * 1024 * 1024);
        BridgeConfiguration off = parse("diskGuard:\n  minFreeBytes: 0\n  checkIntervalMillis: 250\n");
        assertThat(off.getDiskGuard().isEnabled()).isFalse();
        assertThat(off.getDiskGuard().getCheckIntervalMillis()).isEqualTo(250);
        assertThatThrownBy(() -> parse("diskGuard:\n  checkIntervalMillis: 5\n"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("diskGuard.checkIntervalMillis");
        assertThatThrownBy(() -> parse("diskGuard:\n  minFreeBytes: -1\n"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("diskGuard.minFreeBytes");
    }

    @Test
    void theSysIntervalBindsAndIsCheckedNamingTheKey() throws Exception {
        assertThat(parse("nodeId: n\n").getBroker().getSysIntervalSeconds()).isEqualTo(10);
        BridgeConfiguration config = parse("broker:\n  sysIntervalSeconds: -5\n");
        assertThatThrownBy(() -> config.getBroker().validate()).hasMessageContaining("sysIntervalSeconds");
    }

    @Test
    void anInvalidBrokerValueIsRejectedNamingTheKey() throws Exception {
        BridgeConfiguration config = parse("broker:\n  maxQos: 3\n");
        assertThatThrownBy(() -> config.getBroker().validate()).hasMessageContaining("maxQos");
    }

    @Test
    void commandLineOverridesReachNestedSettings(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("c.yml");
        Files.writeString(file, "nodeId: a\n");
        System.setProperty("dw.broker.port", "2883");
        try {
            BridgeConfiguration config = factory.build(new FileConfigurationSourceProvider(), file.toString());
            assertThat(config.getBroker().getPort()).isEqualTo(2883);
        } finally {
            System.clearProperty("dw.broker.port");
        }
    }

}
