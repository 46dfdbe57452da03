package io.mqttbridge.api.resources.model;

import java.util.List;
import java.util.Map;

/**
 * The body of {@code POST /api/v1/devices}.
 *
 * @param password the device's MQTT password (also usable with MQTT 5 SCRAM: verifiers of both
 *     mechanisms are derived from it); when both it and {@code scramCredentials} are absent a random one
 *     is generated and returned once
 * @param scramCredentials SCRAM verifiers in RFC 5803 form
 *     ({@code SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>}), at most one per mechanism
 * @param enabled defaults to {@code true}
 * @param aclRules the device's topic permissions; absent for none
 */
public record DeviceCreation(String id, String displayName, Boolean enabled, Map<String, Object> metadata,
                             String password, List<AclRuleBody> aclRules, List<String> scramCredentials) {

    /** A creation without SCRAM verifiers. */
    public DeviceCreation(String id, String displayName, Boolean enabled, Map<String, Object> metadata, String password,
                          List<AclRuleBody> aclRules) {
        this(id, displayName, enabled, metadata, password, aclRules, null);
    }
}
