package io.mqttbridge.db;

import io.mqttbridge.broker.spi.AclRule;
import java.util.List;

/**
 * Per-device topic permissions, as ordered lists of {@link AclRule} (first matching rule decides,
 * see {@code AclRuleSet}).
 *
 * <p>Threading: thread-safe; blocks on JDBC.
 */
public interface AclRuleRepository {

    /** The device's rules in order; empty if it has none or does not exist. */
    List<AclRule> rulesFor(String deviceId);

    /**
     * Replaces all of the device's rules, atomically.
     *
     * @throws NoSuchDeviceException if the device does not exist
     */
    void replaceRules(String deviceId, List<AclRule> rules);
}
