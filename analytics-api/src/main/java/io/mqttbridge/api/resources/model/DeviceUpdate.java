package io.mqttbridge.api.resources.model;

import java.util.List;
import java.util.Map;

/**
 * The body of {@code PATCH /api/v1/devices/{id}}: only the fields present change.
 *
 * @param metadata replaces the whole metadata object
 * @param aclRules replaces all ACL rules (an empty list removes them)
 */
public record DeviceUpdate(String displayName, Boolean enabled, Map<String, Object> metadata,
                           List<AclRuleBody> aclRules) {
}
