package io.mqttbridge.api.resources.model;

import java.util.List;
import java.util.Map;

/**
 * The body of {@code PATCH /api/v1/devices/{id}}: only the fields present change.
 *
 * @param metadata replaces the whole metadata object
 * @param aclRules replaces all ACL rules (an empty list removes them)
 * @param password with or without {@code scramCredentials}: replaces all credentials of the device
 *     (connections authenticated before end, as after a rotation without grace)
 * @param scramCredentials SCRAM verifiers in RFC 5803 form, at most one per mechanism
 */
public record DeviceUpdate(String displayName, Boolean enabled, Map<String, Object> metadata,
                           List<AclRuleBody> aclRules, String password, List<String> scramCredentials) {

    public DeviceUpdate(String displayName, Boolean enabled, Map<String, Object> metadata, List<AclRuleBody> aclRules) {
        this(displayName, enabled, metadata, aclRules, null, null);
    }
}
