package io.mqttbridge.api.auth;

/** What an API client may do. An admin may also do everything a reader may. */
public enum ApiRole {
    READ_ONLY,
    ADMIN;

    /** For {@code @RolesAllowed}, which needs compile-time constants. */
    public static final String READ = "READ_ONLY";
    public static final String WRITE = "ADMIN";

    public boolean grants(String requiredRole) {
        return this == ADMIN || name().equals(requiredRole);
    }
}
