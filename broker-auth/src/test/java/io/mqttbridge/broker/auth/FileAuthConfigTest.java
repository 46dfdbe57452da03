package io.mqttbridge.broker.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FileAuthConfigTest {

    private static FileAuthConfig configWith(FileAuthUser... users) {
        FileAuthConfig config = new FileAuthConfig();
        config.setUsers(new ArrayList<>(List.of(users)));
        return config;
    }

    @Test
    void defaultsAreSafe() {
        FileAuthConfig config = new FileAuthConfig();

        assertThat(config.isAllowAnonymous()).isFalse();
        assertThat(config.getUsers()).isEmpty();
        assertThat(config.getVerificationThreads()).isEqualTo(FileAuthConfig.DEFAULT_VERIFICATION_THREADS);
        assertThatCode(config::validate).doesNotThrowAnyException();
        assertThat(new FileAclRule().getPermission()).isEqualTo("allow");
    }

    @Test
    void argon2idBcryptAndScryptHashesAreAccepted() {
        FileAuthConfig config = configWith(
                new FileAuthUser("a", TestHashes.argon2id("pw"), List.of()),
                new FileAuthUser("b", TestHashes.bcrypt("pw"), List.of()),
                new FileAuthUser("c", TestHashes.scrypt("pw"), List.of()));

        assertThatCode(config::validate).doesNotThrowAnyException();
    }

    @Test
    void plainTextPasswordFailsValidationNamingTheUserAndKey() {
        FileAuthConfig config = configWith(
                new FileAuthUser("ok", TestHashes.bcrypt("pw"), List.of()),
                new FileAuthUser("bob", "hunter2", List.of()));

        assertThatThrownBy(config::validate).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("users[1].passwordHash: user 'bob'")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void argon2iAndTruncatedHashesAreNotAccepted() {
        String argon2i = "$argon2i$v=19$m=1024,t=1,p=1$xdkL2ciYjGPT+GlZ20/4qg$jyBJYrazr0CkXJ513gUf431Jza0mNXNcHD9ao9EpXoo";
        String truncatedBcrypt = TestHashes.bcrypt("pw").substring(0, 30);

        assertThatThrownBy(configWith(new FileAuthUser("x", argon2i, List.of()))::validate)
                .hasMessageStartingWith("users[0].passwordHash: user 'x'");
        assertThatThrownBy(configWith(new FileAuthUser("y", truncatedBcrypt, List.of()))::validate)
                .hasMessageStartingWith("users[0].passwordHash: user 'y'");
        assertThatThrownBy(configWith(new FileAuthUser("z", null, List.of()))::validate)
                .hasMessageStartingWith("users[0].passwordHash: user 'z'");
    }

    @Test
    void missingAndDuplicateUsernamesAreNamed() {
        assertThatThrownBy(configWith(new FileAuthUser(null, TestHashes.bcrypt("pw"), List.of()))::validate)
                .hasMessageStartingWith("users[0].username: required");
        String hash = TestHashes.bcrypt("pw");
        assertThatThrownBy(configWith(new FileAuthUser("a", hash, List.of()), new FileAuthUser("a", hash, List.of()))::validate)
                .hasMessageStartingWith("users[1].username: user 'a' is listed more than once");
    }

    @Test
    void badRuleIsNamedByItsPositionAndField() {
        FileAuthConfig config = configWith(new FileAuthUser("a", TestHashes.bcrypt("pw"), List.of(
                new FileAclRule("allow", "publish", "ok/#"),
                new FileAclRule("allow", "publish", "bad/#/x"))));

        assertThatThrownBy(config::validate).hasMessageStartingWith("users[0].acl[1].topic:");
    }

    @Test
    void unknownPermissionAndActionAreNamed() {
        FileAuthConfig permission = new FileAuthConfig();
        permission.setDefaultAcl(List.of(new FileAclRule("maybe", "publish", "a")));
        FileAuthConfig action = new FileAuthConfig();
        action.setAnonymousAcl(List.of(new FileAclRule("deny", "write", "a")));
        FileAuthConfig missingAction = new FileAuthConfig();
        missingAction.setDefaultAcl(List.of(new FileAclRule("deny", null, "a")));

        assertThatThrownBy(permission::validate).hasMessageStartingWith("defaultAcl[0].permission: unknown permission 'maybe'");
        assertThatThrownBy(action::validate).hasMessageStartingWith("anonymousAcl[0].action: unknown ACL action 'write'");
        assertThatThrownBy(missingAction::validate).hasMessageStartingWith("defaultAcl[0].action: required");
    }

    @Test
    void tuningValuesOutOfRangeAreNamed() {
        FileAuthConfig threads = new FileAuthConfig();
        threads.setVerificationThreads(0);
        FileAuthConfig queue = new FileAuthConfig();
        queue.setVerificationQueueCapacity(0);
        FileAuthConfig ttl = new FileAuthConfig();
        ttl.setCacheTtlSeconds(-1);
        FileAuthConfig users = new FileAuthConfig();
        users.setUsers(null);

        assertThatThrownBy(threads::validate).hasMessageStartingWith("verificationThreads:");
        assertThatThrownBy(queue::validate).hasMessageStartingWith("verificationQueueCapacity:");
        assertThatThrownBy(ttl::validate).hasMessageStartingWith("cacheTtlSeconds:");
        assertThatThrownBy(users::validate).hasMessageStartingWith("users:");
    }
}
