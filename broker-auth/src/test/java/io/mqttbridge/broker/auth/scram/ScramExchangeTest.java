package io.mqttbridge.broker.auth.scram;

import io.mqttbridge.broker.spi.AuthenticationRequest;
import io.mqttbridge.broker.spi.AuthenticationResult;
import io.mqttbridge.broker.spi.EnhancedAuthenticator;
import io.mqttbridge.broker.spi.MqttVersion;
import io.mqttbridge.broker.spi.ScramMechanism;
import io.mqttbridge.broker.spi.ScramVerifier;
import io.mqttbridge.testing.scram.ScramClient;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class ScramExchangeTest {

    private final InMemoryScramCredentials credentials = new InMemoryScramCredentials();
    private final ScramAuthenticator authenticator = new ScramAuthenticator(credentials);

    private static AuthenticationRequest request(String username) {
        return new AuthenticationRequest("client-1", username, null, new InetSocketAddress("127.0.0.1", 1234), null,
                MqttVersion.MQTT_5);
    }

    @Test
    void theTestClientReproducesTheExampleOfRfc7677AgainstAVerifierDerivedHere() {
        // RFC 7677 section 3: user "user", password "pencil".
        byte[] salt = Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ==");
        ScramVerifier verifier = ScramVerifier.derive(ScramMechanism.SHA_256, "pencil", salt, 4096);
        ScramClient client = new ScramClient("SCRAM-SHA-256", "user", "pencil", "rOprNGfwEbeRWgbNEkqO");
        assertThat(client.clientFirst()).isEqualTo("n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
        String serverFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
        assertThat(client.clientFinal(serverFirst)).isEqualTo(
                "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
        assertThat(client.verifyServerFinal("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")).isTrue();
        assertThat(verifier.matchesPassword("pencil")).isTrue();
        assertThat(verifier.matchesPassword("pencil ")).isFalse();
        assertThat(ScramVerifier.parse(verifier.format())).isEqualTo(verifier);
    }

    @ParameterizedTest
    @ValueSource(strings = {"SCRAM-SHA-256", "SCRAM-SHA-512"})
    void theRightPasswordSucceedsAndTheServerProvesItKnowsTheVerifier(String method) throws Exception {
        credentials.setPassword("device-1", "s3cret");
        ScramClient client = new ScramClient(method, "device-1", "s3cret");
        EnhancedAuthenticator.Exchange exchange = authenticator.start(method, request("device-1"));

        String serverFirst = challenge(exchange.receive(bytes(client.clientFirst())).get());
        EnhancedAuthenticator.Outcome outcome = (EnhancedAuthenticator.Outcome)
                exchange.receive(bytes(client.clientFinal(serverFirst))).get();

        assertThat(outcome.result()).isInstanceOf(AuthenticationResult.Success.class);
        assertThat(((AuthenticationResult.Success) outcome.result()).identity().deviceId()).isEqualTo("device-1");
        assertThat(client.verifyServerFinal(new String(outcome.serverData(), StandardCharsets.UTF_8))).isTrue();
    }

    @Test
    void aWrongPasswordIsRefusedWithoutServerData() throws Exception {
        credentials.setPassword("device-1", "s3cret");
        ScramClient client = new ScramClient("SCRAM-SHA-256", "device-1", "s3cret");
        EnhancedAuthenticator.Exchange exchange = authenticator.start("SCRAM-SHA-256", request(null));
        String serverFirst = challenge(exchange.receive(bytes(client.clientFirst())).get());

        EnhancedAuthenticator.Outcome outcome = (EnhancedAuthenticator.Outcome)
                exchange.receive(bytes(client.clientFinal(serverFirst, "guess"))).get();

        assertThat(outcome.result()).isEqualTo(AuthenticationResult.refused(AuthenticationResult.Refusal.BAD_USERNAME_OR_PASSWORD));
        assertThat(outcome.serverData()).isNull();
    }

    @Test
    void anUnknownUserGetsTheSameSaltEachTimeAndIsRefusedAtTheProof() throws Exception {
        String first = challenge(authenticator.start("SCRAM-SHA-256", request(null))
                .receive(bytes(new ScramClient("SCRAM-SHA-256", "nobody", "x").clientFirst())).get());
        ScramClient client = new ScramClient("SCRAM-SHA-256", "nobody", "x");
        EnhancedAuthenticator.Exchange exchange = authenticator.start("SCRAM-SHA-256", request(null));
        String second = challenge(exchange.receive(bytes(client.clientFirst())).get());

        assertThat(salt(first)).isEqualTo(salt(second));
        assertThat(second).endsWith(",i=" + ScramVerifier.DEFAULT_ITERATIONS);
        EnhancedAuthenticator.Outcome outcome = (EnhancedAuthenticator.Outcome)
                exchange.receive(bytes(client.clientFinal(second))).get();
        assertThat(outcome.result()).isInstanceOf(AuthenticationResult.Refused.class);
    }

    @Test
    void aDisabledUserWithTheRightProofGetsTheRegistrysRefusal() throws Exception {
        credentials.setPassword("device-1", "s3cret");
        credentials.disabled.add("device-1");
        ScramClient client = new ScramClient("SCRAM-SHA-512", "device-1", "s3cret");
        EnhancedAuthenticator.Exchange exchange = authenticator.start("SCRAM-SHA-512", request(null));
        String serverFirst = challenge(exchange.receive(bytes(client.clientFirst())).get());

        EnhancedAuthenticator.Outcome outcome = (EnhancedAuthenticator.Outcome)
                exchange.receive(bytes(client.clientFinal(serverFirst))).get();

        assertThat(outcome.result()).isEqualTo(AuthenticationResult.refused(AuthenticationResult.Refusal.NOT_AUTHORIZED));
    }

    @Test
    void aFinalMessageWithAnotherNonceIsRefused() throws Exception {
        credentials.setPassword("device-1", "s3cret");
        ScramClient client = new ScramClient("SCRAM-SHA-256", "device-1", "s3cret");
        EnhancedAuthenticator.Exchange exchange = authenticator.start("SCRAM-SHA-256", request(null));
        String serverFirst = challenge(exchange.receive(bytes(client.clientFirst())).get());
        String tampered = serverFirst.replaceFirst("r=([^,]*)", "r=$1x");

        EnhancedAuthenticator.Outcome outcome = (EnhancedAuthenticator.Outcome)
                exchange.receive(bytes(client.clientFinal(tampered))).get();

        assertThat(outcome.result()).isInstanceOf(AuthenticationResult.Refused.class);
    }

    @Test
    void aScramUserNameOtherThanTheConnectUserNameIsRefusedAtOnce() throws Exception {
        credentials.setPassword("device-1", "s3cret");
        EnhancedAuthenticator.Exchange exchange = authenticator.start("SCRAM-SHA-256", request("device-2"));

        EnhancedAuthenticator.Step step = exchange.receive(
                bytes(new ScramClient("SCRAM-SHA-256", "device-1", "s3cret").clientFirst())).get();

        assertThat(step).isInstanceOf(EnhancedAuthenticator.Outcome.class);
        assertThat(((EnhancedAuthenticator.Outcome) step).result()).isInstanceOf(AuthenticationResult.Refused.class);
    }

    @Test
    void onlyTheScramMethodsAreSupported() {
        assertThat(authenticator.supports("SCRAM-SHA-256")).isTrue();
        assertThat(authenticator.supports("SCRAM-SHA-512")).isTrue();
        assertThat(authenticator.supports("scram-sha-256")).isFalse();
        assertThat(authenticator.supports("SCRAM-SHA-1")).isFalse();
    }

    private static String challenge(EnhancedAuthenticator.Step step) {
        assertThat(step).isInstanceOf(EnhancedAuthenticator.Challenge.class);
        return new String(((EnhancedAuthenticator.Challenge) step).serverData(), StandardCharsets.UTF_8);
    }

    private static String salt(String serverFirst) {
        return serverFirst.split(",")[1];
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
