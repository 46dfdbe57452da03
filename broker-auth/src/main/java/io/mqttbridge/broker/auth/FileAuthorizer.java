package io.mqttbridge.broker.auth;

import io.mqttbridge.broker.spi.AclRule;
import io.mqttbridge.broker.spi.AclRuleSet;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.DeviceIdentity;
import io.mqttbridge.broker.spi.TopicPermissions;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Topic permissions from the ACL rules of a {@link FileAuthConfig}. For an identity the rules are, in
 * order: rules that came with the identity itself, the rules of the user whose name is the identity's
 * device id, then the default rules. Anonymous identities get the anonymous rules, or nothing at all
 * when anonymous access is off. Placeholders are resolved with {@link AclRuleSet#forIdentity}.
 *
 * <p>Threading: answers at once from memory; safe on an event loop and from any thread.
 */
public final class FileAuthorizer implements Authorizer {

    private final Map<String, List<AclRule>> rulesByUser;
    private final List<AclRule> defaultRules;
    private final List<AclRule> anonymousRules;

    /** @throws IllegalArgumentException if the configuration is invalid, naming the key */
    public FileAuthorizer(FileAuthConfig config) {
        config.validate();
        this.defaultRules = List.copyOf(FileAuthConfig.toRules(config.getDefaultAcl(), "defaultAcl"));
        this.anonymousRules = config.isAllowAnonymous()
                ? List.copyOf(FileAuthConfig.toRules(config.getAnonymousAcl(), "anonymousAcl"))
                : List.of();
        Map<String, List<AclRule>> byUser = new HashMap<>();
        List<FileAuthUser> users = config.getUsers();
        for (int i = 0; i < users.size(); i++) {
            FileAuthUser user = users.get(i);
            List<AclRule> rules = new ArrayList<>(FileAuthConfig.toRules(user.getAcl(), "users[" + i + "].acl"));
            rules.addAll(defaultRules);
            byUser.put(user.getUsername(), List.copyOf(rules));
        }
        this.rulesByUser = Map.copyOf(byUser);
    }

    @Override
    public CompletableFuture<TopicPermissions> permissionsFor(DeviceIdentity identity) {
        List<AclRule> configured = identity.isAnonymous()
                ? anonymousRules
                : rulesByUser.getOrDefault(identity.deviceId(), defaultRules);
        List<AclRule> rules = configured;
        if (!identity.aclRules().isEmpty()) {
            rules = new ArrayList<>(identity.aclRules());
            rules.addAll(configured);
        }
        return CompletableFuture.completedFuture(
                AclRuleSet.forIdentity(rules, identity));
    }
}
