package io.mqttbridge.broker.auth.jwt;

import com.sun.net.httpserver.HttpServer;
import io.mqttbridge.broker.spi.AclRule;
import io.mqttbridge.broker.spi.AuthenticationRequest;
import io.mqttbridge.broker.spi.AuthenticationResult;
import io.mqttbridge.broker.spi.ClientIdBinding;
import io.mqttbridge.broker.spi.AuthenticationResult.Refusal;
import io.mqttbridge.broker.spi.DeviceIdentity;
import io.mqttbridge.broker.spi.MqttVersion;
import io.mqttbridge.broker.spi.TopicPermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JwtAuthenticatorTest {

    @TempDir
    static Path dir;
    static TestTokens tokens;
    static Path jwksFile;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeAll
    static void keys() throws Exception {
        tokens = new TestTokens();
        jwksFile = dir.resolve("jwks.json");
        Files.writeString(jwksFile, tokens.publicJwks());
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable closeable : closeables) {
            closeable.close();
        }
    }

    static JwtAuthConfig fileConfig() {
        JwtAuthConfig config = new JwtAuthConfig();
        config.setJwksFile(jwksFile.toString());
        config.setIssuer(TestTokens.ISSUER);
        config.setAudiences(List.of(TestTokens.AUDIENCE));
        // These tests are about the token; the client id binding has its own tests.
        config.setClientIdPattern("*");
        return config;
    }

    private JwtAuthenticator authenticator(JwtAuthConfig config) {
        JwtAuthenticator authenticator = new JwtAuthenticator(config);
        closeables.add(authenticator);
        return authenticator;
    }

    private static AuthenticationRequest request(String clientId, String username, String password) {
        return new AuthenticationRequest(clientId, username, password == null ? null : password.getBytes(StandardCharsets.UTF_8),
                new InetSocketAddress("127.0.0.1", 4000), null, MqttVersion.MQTT_5);
    }

    private static final AuthenticationResult BAD = AuthenticationResult.refused(Refusal.BAD_USERNAME_OR_PASSWORD);

    @Test
    void validRs256TokenFromJwksFileGivesTheSubjectAsDeviceAndTheExpiry() throws Exception {
        Date exp = new Date((Instant.now().getEpochSecond() + 600) * 1000);
        String token = tokens.rs256(TestTokens.with("device-9", c -> c.expirationTime(exp)));
        AuthenticationResult result = authenticator(fileConfig()).authenticate(request("c1", null, token)).join();
        assertThat(result).isInstanceOf(AuthenticationResult.Success.class);
        AuthenticationResult.Success success = (AuthenticationResult.Success) result;
        assertThat(success.identity().deviceId()).isEqualTo("device-9");
        assertThat(success.expiresAt()).isEqualTo(exp.toInstant().plusSeconds(JwtAuthConfig.DEFAULT_CLOCK_SKEW_SECONDS));
    }

    @Test
    void oauthAccessTokensTypedAtJwtAreAcceptedAndOtherTypesRefused() throws Exception {
        JwtAuthenticator authenticator = authenticator(fileConfig());
        for (String type : List.of("at+jwt", "application/at+jwt", "JWT")) {
            String token = tokens.rs256Typed(type, TestTokens.claims("device-9").build());
            assertThat(authenticator.authenticate(request("c1", null, token)).join()).as("typ " + type)
                    .isInstanceOf(AuthenticationResult.Success.class);
        }
        // An ID token or a logout token is not an access token.
        String other = tokens.rs256Typed("logout+jwt", TestTokens.claims("device-9").build());
        assertThat(authenticator.authenticate(request("c1", null, other)).join()).isEqualTo(BAD);
    }

    @Test
    void es256TokenIsAcceptedWithTheJwksFetchedFromAUrl() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        byte[] body = tokens.publicJwks().getBytes(StandardCharsets.UTF_8);
        server.createContext("/jwks", exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        closeables.add(() -> server.stop(0));
        JwtAuthConfig config = fileConfig();
        config.setJwksFile(null);
        config.setJwksUrl("http://127.0.0.1:" + server.getAddress().getPort() + "/jwks");
        AuthenticationResult result = authenticator(config)
                .authenticate(request("c1", null, tokens.es256(TestTokens.claims("ec-device").build()))).join();
        assertThat(result).isInstanceOf(AuthenticationResult.Success.class);
    }

    @Test
    void hs256TokenIsCheckedAgainstTheSharedSecret() throws Exception {
        JwtAuthConfig config = new JwtAuthConfig();
        config.setSharedSecret(TestTokens.SECRET);
        JwtAuthenticator authenticator = authenticator(config);
        assertThat(authenticator.authenticate(request("d", null,
                TestTokens.hs256(TestTokens.SECRET, TestTokens.claims("d").build()))).join())
                .isInstanceOf(AuthenticationResult.Success.class);
        assertThat(authenticator.authenticate(request("c", null,
                TestTokens.hs256("another-secret-that-is-32-bytes-long!", TestTokens.claims("d").build()))).join())
                .isEqualTo(BAD);
    }

    @Test
    void expiredNotYetValidWrongIssuerWrongAudienceAndWrongSignatureAreRefused() throws Exception {
        JwtAuthenticator authenticator = authenticator(fileConfig());
        Instant now = Instant.now();
        List<String> badTokens = List.of(
                tokens.rs256(TestTokens.with("d", c -> c.expirationTime(Date.from(now.minusSeconds(120))))),
                tokens.rs256(TestTokens.with("d", c -> c.notBeforeTime(Date.from(now.plusSeconds(300))))),
                tokens.rs256(TestTokens.with("d", c -> c.issuer("https://evil.test"))),
                tokens.rs256(TestTokens.with("d", c -> c.audience("someone-else"))),
                tokens.rs256(TestTokens.with("d", c -> c.expirationTime(null))),
                tokens.rs256WithOtherKey(TestTokens.claims("d").build()));
        for (String token : badTokens) {
            assertThat(authenticator.authenticate(request("c", null, token)).join()).isEqualTo(BAD);
        }
    }

    @Test
    void passwordThatIsNoTokenPassesToTheNextMethod() {
        JwtAuthenticator authenticator = authenticator(fileConfig());
        assertThat(authenticator.authenticate(request("c", "u", "plain password")).join()).isEqualTo(BAD);
        assertThat(authenticator.authenticate(request("c", "u", null)).join()).isEqualTo(BAD);
    }

    @Test
    void clientIdAndUsernameBoundToClaimsMustMatch() throws Exception {
        JwtAuthConfig config = fileConfig();
        config.setClientIdClaim("client_id");
        config.setUsernameClaim("sub");
        JwtAuthenticator authenticator = authenticator(config);
        String token = tokens.rs256(TestTokens.with("dev-1", c -> c.claim("client_id", "client-1")));
        assertThat(authenticator.authenticate(request("client-1", "dev-1", token)).join())
                .isInstanceOf(AuthenticationResult.Success.class);
        assertThat(authenticator.authenticate(request("client-2", "dev-1", token)).join())
                .isEqualTo(AuthenticationResult.refused(Refusal.CLIENT_ID_NOT_ALLOWED));
        assertThat(authenticator.authenticate(request("client-1", "dev-2", token)).join())
                .isEqualTo(AuthenticationResult.refused(Refusal.NOT_AUTHORIZED));
    }

    @Test
    void theUserNameRecordedIsTheDeviceIdUnlessAClaimBindsTheOneSent() throws Exception {
        String token = tokens.rs256(TestTokens.with("dev-1", c -> c.claim("name", "alice")));
        AuthenticationResult unbound = authenticator(fileConfig()).authenticate(request("c1", "admin", token)).join();
        assertThat(((AuthenticationResult.Success) unbound).identity().username()).isEqualTo("dev-1");
        JwtAuthConfig config = fileConfig();
        config.setUsernameClaim("name");
        AuthenticationResult bound = authenticator(config).authenticate(request("c1", "alice", token)).join();
        assertThat(((AuthenticationResult.Success) bound).identity().username()).isEqualTo("alice");
    }

    @Test
    void byDefaultTheClientIdMustEqualTheTokensDeviceId() throws Exception {
        JwtAuthConfig config = fileConfig();
        config.setClientIdPattern(ClientIdBinding.DEFAULT_PATTERN);
        JwtAuthenticator authenticator = authenticator(config);
        String token = tokens.rs256(TestTokens.claims("dev-1").build());
        assertThat(authenticator.authenticate(request("dev-1", null, token)).join())
                .isInstanceOf(AuthenticationResult.Success.class);
        assertThat(authenticator.authenticate(request("dev-2", null, token)).join())
                .isEqualTo(AuthenticationResult.refused(Refusal.CLIENT_ID_NOT_ALLOWED));
    }

    @Test
    void aclPlaceholderForTheUserIsTheTokensDeviceIdNotTheUserNameSent() throws Exception {
        JwtAuthConfig config = fileConfig();
        String token = tokens.rs256(TestTokens.with("dev-1", c -> c.claim("mqtt_acl", List.of("publish users/%u/up"))));
        DeviceIdentity identity = ((AuthenticationResult.Success) authenticator(config)
                .authenticate(request("dev-1", "dev-2", token)).join()).identity();
        TopicPermissions permissions = new JwtAuthorizer(config).permissionsFor(identity).join();
        assertThat(permissions.mayPublish("users/dev-1/up")).isTrue();
        assertThat(permissions.mayPublish("users/dev-2/up")).isFalse();
    }

    @Test
    void aclClaimBecomesIdentityRulesAndTheAuthorizerEnforcesThem() throws Exception {
        JwtAuthConfig config = fileConfig();
        String token = tokens.rs256(TestTokens.with("dev-1", c -> c.claim("mqtt_acl", List.of(
                "publish devices/%c/up",
                Map.of("permission", "allow", "action", "subscribe", "topic", "devices/%c/down/#")))));
        AuthenticationResult result = authenticator(config).authenticate(request("c-7", null, token)).join();
        DeviceIdentity identity = ((AuthenticationResult.Success) result).identity();
        assertThat(identity.aclRules()).containsExactly(AclRule.allow(AclRule.Action.PUBLISH, "devices/%c/up"),
                AclRule.allow(AclRule.Action.SUBSCRIBE, "devices/%c/down/#"));
        TopicPermissions permissions = new JwtAuthorizer(config).permissionsFor(identity).join();
        assertThat(permissions.mayPublish("devices/c-7/up")).isTrue();
        assertThat(permissions.mayPublish("devices/other/up")).isFalse();
        assertThat(permissions.maySubscribe("devices/c-7/down/+")).isTrue();
        assertThat(permissions.maySubscribe("devices/#")).isFalse();
    }

    @Test
    void malformedAclClaimRefusesTheToken() throws Exception {
        String token = tokens.rs256(TestTokens.with("dev-1", c -> c.claim("mqtt_acl", List.of("fly to/the/moon"))));
        assertThat(authenticator(fileConfig()).authenticate(request("c", null, token)).join())
                .isEqualTo(AuthenticationResult.refused(Refusal.NOT_AUTHORIZED));
    }

    @Test
    void configurationErrorsNameTheKey() {
        JwtAuthConfig none = new JwtAuthConfig();
        assertThatThrownBy(none::validate).hasMessageContaining("jwksFile");
        JwtAuthConfig shortSecret = new JwtAuthConfig();
        shortSecret.setSharedSecret("short");
        assertThatThrownBy(shortSecret::validate).hasMessageContaining("sharedSecret").hasMessageNotContaining("short'");
        JwtAuthConfig mixed = fileConfig();
        mixed.setAlgorithms(List.of("HS256"));
        assertThatThrownBy(mixed::validate).hasMessageContaining("algorithms");
        JwtAuthConfig missingFile = fileConfig();
        missingFile.setJwksFile(dir.resolve("missing.json").toString());
        assertThatThrownBy(() -> new JwtAuthenticator(missingFile)).hasMessageContaining("jwksFile");
    }
}
