package io.mqttbridge.broker.spi;

import java.time.Instant;
import java.util.Objects;

/** The outcome of an authentication: an identity, or a reason to refuse the connection. */
public sealed interface AuthenticationResult {

    /** Why a connection is refused; the broker maps each to the CONNACK code of the client's version. */
    enum Refusal {
        /** Unknown user or wrong password; deliberately does not say which (0x86 / 3.1.1 code 4). */
        BAD_USERNAME_OR_PASSWORD,
        /** Known but not allowed to connect, e.g. a disabled device (0x87 / 3.1.1 code 5). */
        NOT_AUTHORIZED,
        /** Refused for policy reasons such as repeated failures (0x8A Banned / 3.1.1 code 5). */
        BANNED,
        /** The authentication backend is unavailable (0x88 / 3.1.1 code 3). */
        SERVER_UNAVAILABLE,
        /**
         * The credentials are good but the client id is not one this identity may use (see
         * {@link ClientIdBinding}) (0x85 Client Identifier not valid / 3.1.1 code 2).
         */
        CLIENT_ID_NOT_ALLOWED
    }

    static AuthenticationResult success(DeviceIdentity identity) {
        return new Success(identity);
    }

    /**
     * Success with credentials that stop being valid at {@code expiresAt} (for example a token's
     * expiry): the broker ends the connection then (MQTT 5: DISCONNECT 0xA0 Maximum connect time).
     */
    static AuthenticationResult success(DeviceIdentity identity, Instant expiresAt) {
        return new Success(identity, expiresAt);
    }

    /**
     * Success that also says what the identity may do, for authentication methods that know it (a
     * token's claims, a chain of methods each with its own rules): the broker then does not ask its
     * {@link Authorizer}.
     */
    static AuthenticationResult success(DeviceIdentity identity, Instant expiresAt, TopicPermissions permissions) {
        return new Success(identity, expiresAt, Objects.requireNonNull(permissions, "permissions"));
    }

    static AuthenticationResult refused(Refusal refusal) {
        return new Refused(refusal);
    }

    /**
     * @param identity who the client is
     * @param expiresAt when the connection must end because its credentials expire; {@code null} = never
     * @param permissions what the identity may publish and subscribe to; {@code null} = ask the broker's
     *     {@link Authorizer}
     */
    record Success(DeviceIdentity identity, Instant expiresAt, TopicPermissions permissions)
            implements AuthenticationResult {
        public Success {
            Objects.requireNonNull(identity, "identity");
        }

        public Success(DeviceIdentity identity) {
            this(identity, null, null);
        }

        public Success(DeviceIdentity identity, Instant expiresAt) {
            this(identity, expiresAt, null);
        }

        /** This success with the identity's permissions attached. */
        public Success withPermissions(TopicPermissions granted) {
            return new Success(identity, expiresAt, Objects.requireNonNull(granted, "granted"));
        }
    }

    record Refused(Refusal refusal) implements AuthenticationResult {
        public Refused {
            Objects.requireNonNull(refusal, "refusal");
        }
    }
}
