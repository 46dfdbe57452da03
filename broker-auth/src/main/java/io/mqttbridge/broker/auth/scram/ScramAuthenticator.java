package io.mqttbridge.broker.auth.scram;

import io.mqttbridge.broker.auth.scram.internal.ScramServerExchange;
import io.mqttbridge.broker.spi.AuthenticationRequest;
import io.mqttbridge.broker.spi.EnhancedAuthenticator;
import io.mqttbridge.broker.spi.ScramCredentials;
import io.mqttbridge.broker.spi.ScramMechanism;
import java.security.SecureRandom;
import java.util.Objects;

/**
 * MQTT 5 enhanced authentication with the Authentication Methods {@code SCRAM-SHA-256} and
 * {@code SCRAM-SHA-512}: the client's first message comes in CONNECT's Authentication Data, the
 * server-first in AUTH 0x18, the client-final in the client's AUTH 0x18, the server-final
 * (server signature) in CONNACK, or the exchange fails with CONNACK 0x86. Re-authentication runs
 * the same exchange over AUTH 0x19 / 0x18 / 0x00.
 *
 * <p>Threading: {@link #start} is cheap and runs on the event loop; the exchange's work is a few
 * HMACs and the lookups of {@link ScramCredentials}, whose futures decide where it continues.
 */
public final class ScramAuthenticator implements EnhancedAuthenticator {

    private final ScramCredentials credentials;
    /** Makes the salts shown for unknown users stable within a process, and unguessable. */
    private final byte[] decoySecret = new byte[32];

    public ScramAuthenticator(ScramCredentials credentials) {
        this.credentials = Objects.requireNonNull(credentials, "credentials");
        new SecureRandom().nextBytes(decoySecret);
    }

    @Override
    public boolean supports(String method) {
        return ScramMechanism.ofMethod(method).isPresent();
    }

    @Override
    public Exchange start(String method, AuthenticationRequest request) {
        ScramMechanism mechanism = ScramMechanism.ofMethod(method)
                .orElseThrow(() -> new IllegalArgumentException("not a SCRAM method: " + method));
        return new ScramServerExchange(mechanism, credentials, request, decoySecret);
    }
}
