package io.mqttbridge.broker.auth.jwt;

import io.mqttbridge.broker.auth.FileAclRule;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Settings of {@link JwtAuthenticator}: where the signing keys come from (exactly one of
 * {@code jwksFile}, {@code jwksUrl}, {@code sharedSecret}), which claims are checked and how the
 * token maps to a device. A plain bean for YAML; {@link #validate()} names the offending key.
 */
public class JwtAuthConfig {

    public static final List<String> DEFAULT_JWKS_ALGORITHMS = List.of("RS256", "ES256");
    public static final String DEFAULT_DEVICE_ID_CLAIM = "sub";
    public static final String DEFAULT_ACL_CLAIM = "mqtt_acl";
    public static final int DEFAULT_CLOCK_SKEW_SECONDS = 30;
    public static final int DEFAULT_JWKS_CACHE_SECONDS = 300;
    public static final int DEFAULT_VERIFICATION_THREADS = 2;
    public static final int DEFAULT_VERIFICATION_QUEUE = 10_000;
    /** HS256 needs a key of at least 256 bits (RFC 7518 section 3.2). */
    public static final int MIN_SHARED_SECRET_BYTES = 32;

    private String jwksFile;
    private String jwksUrl;
    private String sharedSecret;
    private List<String> algorithms;
    private String issuer;
    private List<String> audiences = new ArrayList<>();
    private boolean requireExpiry = true;
    private int clockSkewSeconds = DEFAULT_CLOCK_SKEW_SECONDS;
    private String deviceIdClaim = DEFAULT_DEVICE_ID_CLAIM;
    private String clientIdClaim;
    private String clientIdPattern = io.mqttbridge.broker.spi.ClientIdBinding.DEFAULT_PATTERN;
    private String usernameClaim;
    private String aclClaim = DEFAULT_ACL_CLAIM;
    private List<FileAclRule> defaultAcl = new ArrayList<>();
    private int jwksCacheSeconds = DEFAULT_JWKS_CACHE_SECONDS;
    private int verificationThreads = DEFAULT_VERIFICATION_THREADS;
    private int verificationQueue = DEFAULT_VERIFICATION_QUEUE;

    /** @throws IllegalArgumentException naming the first offending key */
    public JwtAuthConfig validate() {
        int sources = (jwksFile != null ? 1 : 0) + (jwksUrl != null ? 1 : 0) + (sharedSecret != null ? 1 : 0);
        require(sources == 1, "jwksFile", "exactly one of jwksFile, jwksUrl and sharedSecret must be set, were " + sources);
        if (sharedSecret != null) {
            require(sharedSecret.getBytes(java.nio.charset.StandardCharsets.UTF_8).length >= MIN_SHARED_SECRET_BYTES,
                    "sharedSecret", "must be at least " + MIN_SHARED_SECRET_BYTES + " bytes for HS256");
        }
        if (jwksUrl != null) {
            require(jwksUrl.startsWith("https://") || jwksUrl.startsWith("http://"), "jwksUrl",
                    "must be an http(s) URL, was '" + jwksUrl + "'");
        }
        for (String algorithm : effectiveAlgorithms()) {
            boolean hmac = algorithm.startsWith("HS");
            require(List.of("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "HS256", "HS384", "HS512")
                    .contains(algorithm), "algorithms", "unsupported algorithm '" + algorithm + "'");
            require(hmac == (sharedSecret != null), "algorithms",
                    "'" + algorithm + "' does not fit the key source (HS* only with sharedSecret, others only with a JWKS)");
        }
        require(issuer == null || !issuer.isBlank(), "issuer", "must not be blank");
        require(audiences != null, "audiences", "must not be null");
        require(clockSkewSeconds >= 0, "clockSkewSeconds", "must not be negative, was " + clockSkewSeconds);
        require(deviceIdClaim != null && !deviceIdClaim.isBlank(), "deviceIdClaim", "must not be empty");
        try {
            clientIdBinding();
        } catch (IllegalArgumentException e) {
            require(false, "clientIdPattern", e.getMessage());
        }
        require(aclClaim != null && !aclClaim.isBlank(), "aclClaim", "must not be empty");
        require(defaultAcl != null, "defaultAcl", "must not be null");
        for (int i = 0; i < defaultAcl.size(); i++) {
            require(defaultAcl.get(i) != null, "defaultAcl[" + i + "]", "must not be empty");
            defaultAcl.get(i).toAclRule("JWT authentication 'defaultAcl[" + i + "]'");
        }
        require(jwksCacheSeconds > 0, "jwksCacheSeconds", "must be positive, was " + jwksCacheSeconds);
        require(verificationThreads > 0, "verificationThreads", "must be positive, was " + verificationThreads);
        require(verificationQueue > 0, "verificationQueue", "must be positive, was " + verificationQueue);
        return this;
    }

    /** The configured algorithms, or the defaults of the key source (HS256 for a secret, RS256 and ES256 for a JWKS). */
    public List<String> effectiveAlgorithms() {
        if (algorithms != null && !algorithms.isEmpty()) {
            return algorithms.stream().map(a -> a.trim().toUpperCase(Locale.ROOT)).toList();
        }
        return sharedSecret != null ? List.of("HS256") : DEFAULT_JWKS_ALGORITHMS;
    }

    private static void require(boolean condition, String key, String message) {
        if (!condition) {
            throw new IllegalArgumentException("JWT authentication '" + key + "' " + message);
        }
    }

    public String getJwksFile() { return jwksFile; }
    public void setJwksFile(String jwksFile) { this.jwksFile = jwksFile; }
    public String getJwksUrl() { return jwksUrl; }
    public void setJwksUrl(String jwksUrl) { this.jwksUrl = jwksUrl; }
    /** A secret: never logged. */
    public String getSharedSecret() { return sharedSecret; }
    public void setSharedSecret(String sharedSecret) { this.sharedSecret = sharedSecret; }
    public List<String> getAlgorithms() { return algorithms; }
    public void setAlgorithms(List<String> algorithms) { this.algorithms = algorithms; }
    /** The required {@code iss}; {@code null} = not checked. */
    public String getIssuer() { return issuer; }
    public void setIssuer(String issuer) { this.issuer = issuer; }
    /** Accepted {@code aud} values (one must be present); empty = not checked. */
    public List<String> getAudiences() { return audiences; }
    public void setAudiences(List<String> audiences) { this.audiences = audiences; }
    public boolean isRequireExpiry() { return requireExpiry; }
    public void setRequireExpiry(boolean requireExpiry) { this.requireExpiry = requireExpiry; }
    public int getClockSkewSeconds() { return clockSkewSeconds; }
    public void setClockSkewSeconds(int clockSkewSeconds) { this.clockSkewSeconds = clockSkewSeconds; }
    public String getDeviceIdClaim() { return deviceIdClaim; }
    public void setDeviceIdClaim(String deviceIdClaim) { this.deviceIdClaim = deviceIdClaim; }
    /** When set, the MQTT client id must equal this claim; {@code null} = not bound. */
    public String getClientIdClaim() { return clientIdClaim; }
    public void setClientIdClaim(String clientIdClaim) { this.clientIdClaim = clientIdClaim; }
    /** When set, the MQTT user name must equal this claim; {@code null} = not bound. */
    /**
     * The client ids the token's device may use when no {@code clientIdClaim} binds it: {@code %u}
     * (default, equal to the device id claim), a template such as {@code %u-*}, or {@code *}.
     */
    public String getClientIdPattern() { return clientIdPattern; }
    public void setClientIdPattern(String clientIdPattern) { this.clientIdPattern = clientIdPattern; }

    /** @throws IllegalArgumentException when {@code clientIdPattern} is invalid */
    public io.mqttbridge.broker.spi.ClientIdBinding clientIdBinding() {
        return io.mqttbridge.broker.spi.ClientIdBinding.parse(clientIdPattern, "clientIdPattern");
    }

    public String getUsernameClaim() { return usernameClaim; }
    public void setUsernameClaim(String usernameClaim) { this.usernameClaim = usernameClaim; }
    public String getAclClaim() { return aclClaim; }
    public void setAclClaim(String aclClaim) { this.aclClaim = aclClaim; }
    /** Rules for tokens without the ACL claim (as in the file ACL); empty = such tokens may do nothing. */
    public List<FileAclRule> getDefaultAcl() { return defaultAcl; }
    public void setDefaultAcl(List<FileAclRule> defaultAcl) { this.defaultAcl = defaultAcl; }
    public int getJwksCacheSeconds() { return jwksCacheSeconds; }
    public void setJwksCacheSeconds(int jwksCacheSeconds) { this.jwksCacheSeconds = jwksCacheSeconds; }
    public int getVerificationThreads() { return verificationThreads; }
    public void setVerificationThreads(int verificationThreads) { this.verificationThreads = verificationThreads; }
    public int getVerificationQueue() { return verificationQueue; }
    public void setVerificationQueue(int verificationQueue) { this.verificationQueue = verificationQueue; }

    @Override
    public String toString() {
        return "JwtAuthConfig[jwksFile=" + jwksFile + ", jwksUrl=" + jwksUrl + ", sharedSecret="
                + (sharedSecret == null ? "none" : "***") + ", issuer=" + issuer + ", audiences=" + audiences + "]";
    }
}
