package io.mqttbridge.broker.spi;

import java.util.concurrent.CompletableFuture;

/**
 * MQTT 5 enhanced authentication: challenge and response over CONNECT, AUTH and CONNACK for the
 * Authentication Methods it {@link #supports}. The broker carries the bytes; the method's logic is
 * here. A client that names a method no one supports gets CONNACK 0x8C.
 *
 * <p>Threading: {@link #supports} and {@link #start} are called on the connection's event loop and
 * must be cheap; the exchange's futures may complete on any thread.
 */
public interface EnhancedAuthenticator {

    /** Supports no method. */
    EnhancedAuthenticator NONE = new EnhancedAuthenticator() {
        @Override
        public boolean supports(String method) {
            return false;
        }

        @Override
        public Exchange start(String method, AuthenticationRequest request) {
            throw new IllegalArgumentException("no enhanced authentication method is configured");
        }
    };

    boolean supports(String method);

    /**
     * Begins one exchange (a CONNECT's, or a re-authentication's) for a supported method.
     *
     * @param request what the CONNECT said (on re-authentication: the connection's original CONNECT
     *     data, without a password)
     */
    Exchange start(String method, AuthenticationRequest request);

    /** One exchange: the broker hands it each Authentication Data the client sends, in order. */
    interface Exchange {
        /**
         * @param clientData the Authentication Data of the CONNECT or AUTH, empty when absent
         * @return the next step; a future that fails counts as {@link AuthenticationResult.Refusal#SERVER_UNAVAILABLE}
         */
        CompletableFuture<Step> receive(byte[] clientData);
    }

    /** What the server says next. */
    sealed interface Step {
    }

    /** Send AUTH 0x18 with this Authentication Data and wait for the client's next AUTH. */
    record Challenge(byte[] serverData) implements Step {
    }

    /**
     * The exchange is over: a {@link AuthenticationResult.Success} (its {@code serverData}, may be
     * {@code null}, goes into CONNACK or the AUTH 0x00) or a refusal.
     */
    record Outcome(AuthenticationResult result, byte[] serverData) implements Step {
    }
}
