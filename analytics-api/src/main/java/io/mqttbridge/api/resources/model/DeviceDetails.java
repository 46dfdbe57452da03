package io.mqttbridge.api.resources.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.mqttbridge.db.CredentialInfo;
import io.mqttbridge.db.Device;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A device as the API shows it: never a password or a hash.
 *
 * @param aclRules its ACL rules in order (only on single-device responses)
 * @param credentials when its passwords were set and until when they work (only on single-device responses)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeviceDetails(String id, String displayName, boolean enabled, Map<String, Object> metadata,
                            Instant createdAt, Instant updatedAt, List<AclRuleBody> aclRules,
                            List<CredentialInfo> credentials) {

    public static DeviceDetails summary(Device device) {
        return new DeviceDetails(device.id(), device.displayName(), device.enabled(), device.metadata(),
                device.createdAt(), device.updatedAt(), null, null);
    }

    public static DeviceDetails full(Device device, List<AclRuleBody> aclRules, List<CredentialInfo> credentials) {
        return new DeviceDetails(device.id(), device.displayName(), device.enabled(), device.metadata(),
                device.createdAt(), device.updatedAt(), aclRules, credentials);
    }
}
