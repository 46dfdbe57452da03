package io.mqttbridge.broker.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttbridge.broker.spi.AclRule;
import io.mqttbridge.broker.spi.DeviceIdentity;
import io.mqttbridge.broker.spi.TopicPermissions;
import java.util.List;
import org.junit.jupiter.api.Test;

class FileAuthorizerTest {

    private static FileAuthConfig config(boolean allowAnonymous) {
        FileAuthConfig config = new FileAuthConfig();
        config.setAllowAnonymous(allowAnonymous);
        config.setUsers(List.of(
                new FileAuthUser("alice", TestHashes.bcrypt("pw"), List.of(
                        new FileAclRule("deny", "publish", "devices/%c/locked"),
                        new FileAclRule("allow", "all", "admin/#"))),
                new FileAuthUser("bob", TestHashes.bcrypt("pw"), List.of())));
        config.setDefaultAcl(List.of(
                new FileAclRule(null, "all", "devices/%c/#"),
                new FileAclRule("allow", "subscribe", "users/%u/inbox")));
        config.setAnonymousAcl(List.of(new FileAclRule("allow", "subscribe", "public/#")));
        return config;
    }

    private static TopicPermissions permissions(FileAuthorizer authorizer, DeviceIdentity identity) {
        return authorizer.permissionsFor(identity).join();
    }

    @Test
    void userRulesComeBeforeDefaultRules() {
        FileAuthorizer authorizer = new FileAuthorizer(config(false));

        TopicPermissions alice = permissions(authorizer, new DeviceIdentity("alice", "alice", "dev-1", List.of()));

        assertThat(alice.mayPublish("admin/reset")).isTrue();
        assertThat(alice.mayPublish("devices/dev-1/temp")).isTrue();
        assertThat(alice.mayPublish("devices/dev-1/locked")).isFalse();
        assertThat(alice.maySubscribe("users/alice/inbox")).isTrue();
        assertThat(alice.maySubscribe("users/bob/inbox")).isFalse();
    }

    @Test
    void otherUsersGetOnlyTheDefaultRules() {
        FileAuthorizer authorizer = new FileAuthorizer(config(false));

        TopicPermissions bob = permissions(authorizer, new DeviceIdentity("bob", "bob", "dev-2", List.of()));
        TopicPermissions unknown = permissions(authorizer, new DeviceIdentity("cn=device-9", null, "dev-9", List.of()));

        assertThat(bob.mayPublish("admin/reset")).isFalse();
        assertThat(bob.mayPublish("devices/dev-2/locked")).isTrue();
        assertThat(bob.mayPublish("devices/dev-1/temp")).isFalse();
        assertThat(unknown.mayPublish("devices/dev-9/temp")).isTrue();
    }

    @Test
    void anonymousClientsGetTheAnonymousRulesOnlyWhenAnonymousAccessIsOn() {
        DeviceIdentity anonymous = DeviceIdentity.anonymous("anon-1");

        TopicPermissions on = permissions(new FileAuthorizer(config(true)), anonymous);
        TopicPermissions off = permissions(new FileAuthorizer(config(false)), anonymous);

        assertThat(on.maySubscribe("public/#")).isTrue();
        assertThat(on.mayPublish("devices/anon-1/temp")).isFalse();
        assertThat(off.maySubscribe("public/#")).isFalse();
    }

    @Test
    void rulesCarriedByTheIdentityComeFirst() {
        FileAuthorizer authorizer = new FileAuthorizer(config(false));
        DeviceIdentity identity = new DeviceIdentity("alice", "alice", "dev-1",
                List.of(AclRule.deny(AclRule.Action.ALL, "admin/#")));

        TopicPermissions permissions = permissions(authorizer, identity);

        assertThat(permissions.mayPublish("admin/reset")).isFalse();
        assertThat(permissions.mayPublish("devices/dev-1/temp")).isTrue();
    }

    @Test
    void permissionsAreReadyAtOnce() {
        FileAuthorizer authorizer = new FileAuthorizer(config(false));

        assertThat(authorizer.permissionsFor(DeviceIdentity.anonymous("x"))).isDone();
    }
}
