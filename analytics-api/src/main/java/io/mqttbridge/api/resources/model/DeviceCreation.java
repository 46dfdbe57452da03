package io.mqttbridge.api.resources.model;

import java.util.List;
import java.util.Map;

/**
 * The body of {@code POST /api/v1/devices}.
 *
 * @param password the device's MQTT password; when absent a random one is generated and returned once
 * @param enabled defaults to {@code true}
 * @param aclRules the device's topic permissions; absent for none
 */
public record DeviceCreation(String id, String displayName, Boolean enabled, Map<String, Object> metadata,
                             String password, List<AclRuleBody> aclRules) {
}
