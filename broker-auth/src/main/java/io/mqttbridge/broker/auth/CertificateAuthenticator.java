package io.mqttbridge.broker.auth;

import io.mqttbridge.broker.spi.AuthenticationRequest;
import io.mqttbridge.broker.spi.AuthenticationResult;
import io.mqttbridge.broker.spi.AuthenticationResult.Refusal;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.ClientIdBinding;
import io.mqttbridge.broker.spi.DeviceIdentity;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Authenticates clients by the TLS client certificate the listener has already verified against
 * its CA bundle (see {@code TlsConfig.clientAuth}): the configured field of the certificate (subject
 * CN or a SAN) becomes the device id.
 *
 * <ul>
 *   <li>No certificate, or none of the configured field: {@link Refusal#BAD_USERNAME_OR_PASSWORD},
 *       so that a chain of authenticators tries the next method.
 *   <li>A client id that does not fit {@code clientIdPattern} (by default: equal to the identity):
 *       {@link Refusal#CLIENT_ID_NOT_ALLOWED}.
 *   <li>{@code passwordRequired}: the request must also pass the password authenticator, and the
 *       device id it finds must be the certificate's identity; otherwise
 *       {@link Refusal#BAD_USERNAME_OR_PASSWORD} (or the password authenticator's own refusal).
 * </ul>
 *
 * <p>Threading: answers at once on the calling thread unless a password check is needed, which is
 * as asynchronous as that authenticator. Never logs the password.
 */
public final class CertificateAuthenticator implements Authenticator {

    private static final int SAN_EMAIL = 1;
    private static final int SAN_DNS = 2;
    private static final int SAN_URI = 6;

    private final CertificateAuthConfig config;
    private final Authenticator passwordCheck;
    private final ClientIdBinding clientIdBinding;

    /** Certificate alone; @throws IllegalArgumentException if the configuration requires a password */
    public CertificateAuthenticator(CertificateAuthConfig config) {
        this(config, null);
    }

    /**
     * @param passwordCheck checks user name and password when {@code config.passwordRequired}; may be
     *     {@code null} otherwise
     * @throws IllegalArgumentException when the configuration is invalid or a password is required
     *     but no password authenticator is given
     */
    public CertificateAuthenticator(CertificateAuthConfig config, Authenticator passwordCheck) {
        this.config = Objects.requireNonNull(config, "config").validate();
        if (config.isPasswordRequired() && passwordCheck == null) {
            throw new IllegalArgumentException(
                    "certificate authentication 'passwordRequired' is true but no password authenticator was given");
        }
        this.passwordCheck = passwordCheck;
        this.clientIdBinding = config.clientIdBinding();
    }

    @Override
    public CompletableFuture<AuthenticationResult> authenticate(AuthenticationRequest request) {
        X509Certificate certificate = request.clientCertificate();
        String identity = certificate == null ? null : identityOf(certificate);
        if (identity == null || identity.isEmpty()) {
            return refused(Refusal.BAD_USERNAME_OR_PASSWORD);
        }
        if (!clientIdBinding.allows(identity, request.clientId())) {
            return refused(Refusal.CLIENT_ID_NOT_ALLOWED);
        }
        // The certificate's identity is recorded as the user name (Kafka header, history, USERNAME keys),
        // never the unchecked one the client sent (Mosquitto's use_identity_as_username).
        DeviceIdentity device = new DeviceIdentity(identity, identity, request.clientId(), List.of());
        if (!config.isPasswordRequired()) {
            return CompletableFuture.completedFuture(AuthenticationResult.success(device));
        }
        return passwordCheck.authenticate(request).thenApply(result -> {
            if (result instanceof AuthenticationResult.Success success) {
                return identity.equals(success.identity().deviceId())
                        ? AuthenticationResult.success(device)
                        : AuthenticationResult.refused(Refusal.BAD_USERNAME_OR_PASSWORD);
            }
            return result;
        });
    }

    /** The configured identity field of {@code certificate}, or {@code null} when it has none. */
    public String identityOf(X509Certificate certificate) {
        return switch (config.getIdentityField()) {
            case COMMON_NAME -> commonName(certificate);
            case SAN_DNS -> subjectAltName(certificate, SAN_DNS);
            case SAN_URI -> subjectAltName(certificate, SAN_URI);
            case SAN_EMAIL -> subjectAltName(certificate, SAN_EMAIL);
        };
    }

    private static String commonName(X509Certificate certificate) {
        try {
            List<Rdn> rdns = new LdapName(certificate.getSubjectX500Principal().getName()).getRdns();
            // LdapName lists RDNs right to left; the most specific (leftmost) CN is at the end.
            for (int i = rdns.size() - 1; i >= 0; i--) {
                Rdn rdn = rdns.get(i);
                if ("CN".equalsIgnoreCase(rdn.getType())) {
                    return String.valueOf(rdn.getValue());
                }
            }
            return null;
        } catch (InvalidNameException e) {
            return null;
        }
    }

    private String subjectAltName(X509Certificate certificate, int type) {
        Collection<List<?>> names;
        try {
            names = certificate.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return null;
        }
        if (names == null) {
            return null;
        }
        String prefix = config.getSanPrefix();
        for (List<?> name : names) {
            if (name.size() >= 2 && Integer.valueOf(type).equals(name.get(0)) && name.get(1) instanceof String value
                    && value.startsWith(prefix)) {
                return value.substring(prefix.length());
            }
        }
        return null;
    }

    private static CompletableFuture<AuthenticationResult> refused(Refusal refusal) {
        return CompletableFuture.completedFuture(AuthenticationResult.refused(refusal));
    }
}
