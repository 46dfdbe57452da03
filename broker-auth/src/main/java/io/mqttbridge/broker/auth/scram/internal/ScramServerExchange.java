package io.mqttbridge.broker.auth.scram.internal;

import io.mqttbridge.broker.spi.AuthenticationRequest;
import io.mqttbridge.broker.spi.AuthenticationResult;
import io.mqttbridge.broker.spi.AuthenticationResult.Refusal;
import io.mqttbridge.broker.spi.EnhancedAuthenticator;
import io.mqttbridge.broker.spi.EnhancedAuthenticator.Challenge;
import io.mqttbridge.broker.spi.EnhancedAuthenticator.Outcome;
import io.mqttbridge.broker.spi.EnhancedAuthenticator.Step;
import io.mqttbridge.broker.spi.ScramCredentials;
import io.mqttbridge.broker.spi.ScramMechanism;
import io.mqttbridge.broker.spi.ScramVerifier;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of one SCRAM exchange (RFC 5802 section 5): client-first -> server-first
 * (challenge), client-final -> server-final in CONNACK / AUTH 0x00, or a refusal. An unknown user
 * gets a plausible salt (derived from the name with a per-process secret, so it stays the same
 * across attempts) and fails at the proof like a wrong password: the exchange tells nobody which
 * names exist.
 *
 * <p>Threading: the broker calls {@link #receive} once per client message, never concurrently;
 * the state is confined to that sequence. The work here is a few HMACs: no PBKDF2 at login.
 */
public final class ScramServerExchange implements EnhancedAuthenticator.Exchange {

    private static final Logger LOG = LoggerFactory.getLogger(ScramServerExchange.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int SERVER_NONCE_BYTES = 18;

    private final ScramMechanism mechanism;
    private final ScramCredentials credentials;
    private final AuthenticationRequest request;
    private final byte[] decoySecret;

    private ScramMessages.ClientFirst clientFirst;
    private String serverFirst;
    private ScramVerifier verifier;
    private boolean finished;

    public ScramServerExchange(ScramMechanism mechanism, ScramCredentials credentials, AuthenticationRequest request,
                               byte[] decoySecret) {
        this.mechanism = mechanism;
        this.credentials = credentials;
        this.request = request;
        this.decoySecret = decoySecret;
    }

    @Override
    public CompletableFuture<Step> receive(byte[] clientData) {
        if (finished) {
            return refused("message after the exchange ended");
        }
        String message;
        try {
            message = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(clientData)).toString();
        } catch (CharacterCodingException e) {
            return refused("not UTF-8");
        }
        try {
            return clientFirst == null ? first(message) : last(message);
        } catch (ScramMessages.MalformedScramMessage e) {
            return refused(e.getMessage());
        }
    }

    private CompletableFuture<Step> first(String message) throws ScramMessages.MalformedScramMessage {
        ScramMessages.ClientFirst parsed = ScramMessages.parseClientFirst(message);
        if (request.username() != null && !request.username().equals(parsed.username())) {
            return refused("SCRAM user name differs from the CONNECT user name");
        }
        clientFirst = parsed;
        return credentials.verifier(parsed.username(), mechanism).thenApply(found -> {
            verifier = found.orElse(null);
            byte[] salt = found.map(ScramVerifier::salt).orElseGet(() -> decoySalt(parsed.username()));
            int iterations = found.map(ScramVerifier::iterations).orElse(ScramVerifier.DEFAULT_ITERATIONS);
            byte[] nonce = new byte[SERVER_NONCE_BYTES];
            RANDOM.nextBytes(nonce);
            serverFirst = "r=" + parsed.clientNonce() + Base64.getEncoder().encodeToString(nonce)
                    + ",s=" + Base64.getEncoder().encodeToString(salt) + ",i=" + iterations;
            return new Challenge(serverFirst.getBytes(StandardCharsets.UTF_8));
        });
    }

    private CompletableFuture<Step> last(String message) throws ScramMessages.MalformedScramMessage {
        finished = true;
        ScramMessages.ClientFinal parsed = ScramMessages.parseClientFinal(message);
        String expectedNonce = serverFirst.substring(2, serverFirst.indexOf(','));
        if (!parsed.nonce().equals(expectedNonce)) {
            return refused("nonce does not match");
        }
        if (!MessageDigest.isEqual(parsed.channelBinding(), clientFirst.gs2Header().getBytes(StandardCharsets.UTF_8))) {
            return refused("channel binding data does not repeat the GS2 header");
        }
        if (verifier == null) {
            return refused("unknown user or no " + mechanism.methodName() + " credential");
        }
        byte[] authMessage = (clientFirst.bare() + "," + serverFirst + "," + parsed.withoutProof())
                .getBytes(StandardCharsets.UTF_8);
        byte[] clientSignature = ScramVerifier.hmac(mechanism, verifier.storedKey(), authMessage);
        byte[] proof = parsed.proof();
        if (proof.length != clientSignature.length) {
            return refused("wrong proof");
        }
        byte[] clientKey = new byte[proof.length];
        for (int i = 0; i < proof.length; i++) {
            clientKey[i] = (byte) (proof[i] ^ clientSignature[i]);
        }
        if (!MessageDigest.isEqual(ScramVerifier.hash(mechanism, clientKey), verifier.storedKey())) {
            return refused("wrong proof");
        }
        byte[] serverSignature = ScramVerifier.hmac(mechanism, verifier.serverKey(), authMessage);
        byte[] serverFinal = ("v=" + Base64.getEncoder().encodeToString(serverSignature)).getBytes(StandardCharsets.UTF_8);
        return credentials.admit(clientFirst.username(), request)
                .thenApply(result -> new Outcome(result, result instanceof AuthenticationResult.Success ? serverFinal : null));
    }

    private byte[] decoySalt(String username) {
        byte[] mac = ScramVerifier.hmac(mechanism, decoySecret, username.getBytes(StandardCharsets.UTF_8));
        byte[] salt = new byte[ScramVerifier.SALT_BYTES];
        System.arraycopy(mac, 0, salt, 0, salt.length);
        return salt;
    }

    private CompletableFuture<Step> refused(String why) {
        finished = true;
        LOG.info("Refused {} authentication of client {} (user name {}) from {}: {}", mechanism.methodName(),
                request.clientId(), clientFirst == null ? request.username() : clientFirst.username(),
                request.remoteAddress(), why);
        return CompletableFuture.completedFuture(
                new Outcome(AuthenticationResult.refused(Refusal.BAD_USERNAME_OR_PASSWORD), null));
    }

}
