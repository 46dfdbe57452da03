package io.mqttbridge.broker.auth.jwt;

import io.mqttbridge.broker.spi.AclRule;
import io.mqttbridge.broker.spi.AclRuleSet;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.DeviceIdentity;
import io.mqttbridge.broker.spi.TopicPermissions;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Topic permissions of identities authenticated by {@link JwtAuthenticator}: the rules from the
 * token's ACL claim ({@link DeviceIdentity#aclRules()}) when it had one, otherwise the configured
 * {@code defaultAcl}; placeholders {@code %c} / {@code %u} resolved with {@link AclRuleSet#forIdentity}.
 * Whatever no rule allows is denied.
 *
 * <p>Threading: answers at once from memory; safe on an event loop.
 */
public final class JwtAuthorizer implements Authorizer {

    private final List<AclRule> defaultRules;

    /** @throws IllegalArgumentException naming the key when the configuration is invalid */
    public JwtAuthorizer(JwtAuthConfig config) {
        config.validate();
        List<AclRule> rules = new ArrayList<>();
        for (int i = 0; i < config.getDefaultAcl().size(); i++) {
            rules.add(config.getDefaultAcl().get(i).toAclRule("JWT authentication 'defaultAcl[" + i + "]'"));
        }
        this.defaultRules = List.copyOf(rules);
    }

    @Override
    public CompletableFuture<TopicPermissions> permissionsFor(DeviceIdentity identity) {
        List<AclRule> rules = identity.aclRules().isEmpty() ? defaultRules : identity.aclRules();
        return CompletableFuture.completedFuture(AclRuleSet.forIdentity(rules, identity));
    }
}
