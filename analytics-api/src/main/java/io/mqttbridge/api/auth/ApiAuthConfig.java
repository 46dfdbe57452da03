package io.mqttbridge.api.auth;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

import java.util.ArrayList;
import java.util.List;

/**
 * Who may call the REST API. Secrets are stored only as hashes: bearer tokens as SHA-256 hex,
 * basic-auth passwords as password4j hashes (argon2id, bcrypt or scrypt).
 *
 * <p>When neither tokens nor users are configured, the bridge generates an admin token on first
 * start, stores it in {@link #getGeneratedTokenFile()} under the data directory (readable by the
 * owner only) and logs that file's path, never the token.
 */
public class ApiAuthConfig {

    public static final String DEFAULT_GENERATED_TOKEN_FILE = "api-admin-token";

    /** A bearer token client. */
    public static class TokenClient {
        @NotEmpty
        private String name;
        @NotNull
        @Pattern(regexp = "[0-9a-f]{64}", message = "must be the lowercase hex SHA-256 of the token")
        private String tokenSha256;
        @NotNull
        private ApiRole role = ApiRole.READ_ONLY;

        @JsonProperty
        public String getName() {
            return name;
        }

        @JsonProperty
        public void setName(String name) {
            this.name = name;
        }

        @JsonProperty
        public String getTokenSha256() {
            return tokenSha256;
        }

        @JsonProperty
        public void setTokenSha256(String tokenSha256) {
            this.tokenSha256 = tokenSha256;
        }

        @JsonProperty
        public ApiRole getRole() {
            return role;
        }

        @JsonProperty
        public void setRole(ApiRole role) {
            this.role = role;
        }
    }

    /** A basic-auth client. */
    public static class UserClient {
        @NotEmpty
        private String username;
        @NotEmpty
        private String passwordHash;
        @NotNull
        private ApiRole role = ApiRole.READ_ONLY;

        @JsonProperty
        public String getUsername() {
            return username;
        }

        @JsonProperty
        public void setUsername(String username) {
            this.username = username;
        }

        @JsonProperty
        public String getPasswordHash() {
            return passwordHash;
        }

        @JsonProperty
        public void setPasswordHash(String passwordHash) {
            this.passwordHash = passwordHash;
        }

        @JsonProperty
        public ApiRole getRole() {
            return role;
        }

        @JsonProperty
        public void setRole(ApiRole role) {
            this.role = role;
        }
    }

    @Valid
    @NotNull
    private List<TokenClient> tokens = new ArrayList<>();

    @Valid
    @NotNull
    private List<UserClient> users = new ArrayList<>();

    @NotEmpty
    private String generatedTokenFile = DEFAULT_GENERATED_TOKEN_FILE;

    @JsonProperty
    public List<TokenClient> getTokens() {
        return tokens;
    }

    @JsonProperty
    public void setTokens(List<TokenClient> tokens) {
        this.tokens = tokens;
    }

    @JsonProperty
    public List<UserClient> getUsers() {
        return users;
    }

    @JsonProperty
    public void setUsers(List<UserClient> users) {
        this.users = users;
    }

    /** Relative to the data directory. */
    @JsonProperty
    public String getGeneratedTokenFile() {
        return generatedTokenFile;
    }

    @JsonProperty
    public void setGeneratedTokenFile(String generatedTokenFile) {
        this.generatedTokenFile = generatedTokenFile;
    }

    public boolean hasClients() {
        return !tokens.isEmpty() || !users.isEmpty();
    }
}
