package io.mqttbridge.api.auth;

import com.password4j.Password;
import io.dropwizard.auth.Authenticator;
import io.dropwizard.auth.basic.BasicCredentials;

import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Basic-auth users with password4j hashes. Slow by design (the hash is); wrap it in Dropwizard's
 * {@code CachingAuthenticator} so repeated requests do not pay the hash each time.
 */
public class PasswordAuthenticator implements Authenticator<BasicCredentials, ApiPrincipal> {

    private final Map<String, ApiAuthConfig.UserClient> users;

    public PasswordAuthenticator(java.util.List<ApiAuthConfig.UserClient> users) {
        this.users = users.stream().collect(Collectors.toUnmodifiableMap(
                ApiAuthConfig.UserClient::getUsername, Function.identity()));
    }

    static boolean matches(String password, String hash) {
        var check = Password.check(password, hash);
        if (hash.startsWith("$argon2")) {
            return check.withArgon2();
        }
        if (hash.startsWith("$2a$") || hash.startsWith("$2b$") || hash.startsWith("$2y$")) {
            return check.withBcrypt();
        }
        return check.withScrypt();
    }

    @Override
    public Optional<ApiPrincipal> authenticate(BasicCredentials credentials) {
        ApiAuthConfig.UserClient user = users.get(credentials.getUsername());
        if (user == null) {
            return Optional.empty();
        }
        boolean valid = matches(credentials.getPassword(), user.getPasswordHash());
        return valid ? Optional.of(new ApiPrincipal(user.getUsername(), user.getRole())) : Optional.empty();
    }
}
