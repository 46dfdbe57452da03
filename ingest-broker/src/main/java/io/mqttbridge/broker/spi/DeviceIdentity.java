package io.mqttbridge.broker.spi;

import java.util.List;
import java.util.Objects;

/**
 * Who a connected client is, once authenticated.
 *
 * @param deviceId the identity the authenticator established (a registry device id, a
 *     configuration user name, a certificate subject); {@code null} for anonymous clients
 * @param username the MQTT user name the client sent, or {@code null}
 * @param clientId the client identifier
 * @param aclRules rules that came with the identity itself (for example from a token claim);
 *     empty when the {@link Authorizer} decides from its own store
 */
public record DeviceIdentity(String deviceId, String username, String clientId, List<AclRule> aclRules) {

    public DeviceIdentity {
        Objects.requireNonNull(clientId, "clientId");
        aclRules = aclRules == null ? List.of() : List.copyOf(aclRules);
    }

    public static DeviceIdentity anonymous(String clientId) {
        return new DeviceIdentity(null, null, clientId, List.of());
    }

    public boolean isAnonymous() {
        return deviceId == null;
    }
}
