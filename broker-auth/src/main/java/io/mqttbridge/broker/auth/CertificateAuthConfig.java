package io.mqttbridge.broker.auth;

import io.mqttbridge.broker.spi.ClientIdBinding;

/**
 * How {@link CertificateAuthenticator} turns a verified TLS client certificate into a device
 * identity. A plain bean for YAML; {@link #validate()} names the offending key.
 */
public class CertificateAuthConfig {

    /** Which part of the certificate names the device. */
    public enum IdentityField {
        /** The subject's common name (CN). */
        COMMON_NAME,
        /** The first DNS subject alternative name (with {@code sanPrefix}, if set). */
        SAN_DNS,
        /** The first URI subject alternative name (with {@code sanPrefix}, if set), e.g. {@code urn:device:d-1}. */
        SAN_URI,
        /** The first e-mail (rfc822Name) subject alternative name (with {@code sanPrefix}, if set). */
        SAN_EMAIL
    }

    public static final IdentityField DEFAULT_IDENTITY_FIELD = IdentityField.COMMON_NAME;

    private IdentityField identityField = DEFAULT_IDENTITY_FIELD;
    private String sanPrefix = "";
    private String clientIdPattern = ClientIdBinding.DEFAULT_PATTERN;
    private boolean passwordRequired;

    /** @throws IllegalArgumentException naming the first offending key */
    public CertificateAuthConfig validate() {
        if (identityField == null) {
            throw new IllegalArgumentException(
                    "certificate authentication 'identityField' must be one of COMMON_NAME, SAN_DNS, SAN_URI, SAN_EMAIL");
        }
        if (sanPrefix == null) {
            throw new IllegalArgumentException("certificate authentication 'sanPrefix' must not be null (use \"\")");
        }
        if (!sanPrefix.isEmpty() && identityField == IdentityField.COMMON_NAME) {
            throw new IllegalArgumentException(
                    "certificate authentication 'sanPrefix' only applies to a SAN identityField, not COMMON_NAME");
        }
        clientIdBinding();
        return this;
    }

    /** @throws IllegalArgumentException naming the key when {@code clientIdPattern} is invalid */
    public ClientIdBinding clientIdBinding() {
        return ClientIdBinding.parse(clientIdPattern, "certificate authentication clientIdPattern");
    }

    public IdentityField getIdentityField() { return identityField; }
    public void setIdentityField(IdentityField identityField) { this.identityField = identityField; }
    /** Only SANs starting with this are used, and the prefix is cut off the identity; "" = any. */
    public String getSanPrefix() { return sanPrefix; }
    public void setSanPrefix(String sanPrefix) { this.sanPrefix = sanPrefix; }
    /** The client ids the certificate's identity may use: {@code %u} (default, equal), {@code %u-*}, or {@code *}. */
    public String getClientIdPattern() { return clientIdPattern; }
    public void setClientIdPattern(String clientIdPattern) { this.clientIdPattern = clientIdPattern; }
    /** Whether the client must also pass the password authenticator given to the constructor. */
    public boolean isPasswordRequired() { return passwordRequired; }
    public void setPasswordRequired(boolean passwordRequired) { this.passwordRequired = passwordRequired; }
}
