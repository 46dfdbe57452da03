package io.mqttbridge.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.core.Configuration;
import io.mqttbridge.api.auth.ApiAuthConfig;
import io.mqttbridge.api.config.Role;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;

/**
 * The whole bridge's configuration, read from YAML. Every field has a default, so an empty file
 * runs the bridge with embedded Kafka and PostgreSQL; any field can be overridden with
 * {@code -Ddw.<path>=<value>} or {@code ${ENV_VAR}} substitution in the file.
 */
public class BridgeConfiguration extends Configuration {

    public static final Path DEFAULT_DATA_DIRECTORY = Path.of("data");
    public static final String DEFAULT_NODE_ID = "node-1";

    @NotNull
    private Path dataDirectory = DEFAULT_DATA_DIRECTORY;

    @NotEmpty
    private String nodeId = DEFAULT_NODE_ID;

    @NotEmpty
    private Set<Role> roles = EnumSet.allOf(Role.class);

    @Valid
    @NotNull
    private ApiAuthConfig apiAuth = new ApiAuthConfig();

    @JsonProperty
    public ApiAuthConfig getApiAuth() {
        return apiAuth;
    }

    @JsonProperty
    public void setApiAuth(ApiAuthConfig apiAuth) {
        this.apiAuth = apiAuth;
    }

    @JsonProperty
    public Path getDataDirectory() {
        return dataDirectory;
    }

    @JsonProperty
    public void setDataDirectory(Path dataDirectory) {
        this.dataDirectory = dataDirectory;
    }

    /** Identifies this process in session events and the sessions table; unique per node. */
    @JsonProperty
    public String getNodeId() {
        return nodeId;
    }

    @JsonProperty
    public void setNodeId(String nodeId) {
        this.nodeId = nodeId;
    }

    @JsonProperty
    public Set<Role> getRoles() {
        return roles;
    }

    @JsonProperty
    public void setRoles(Set<Role> roles) {
        this.roles = roles;
    }

    public boolean runs(Role role) {
        return roles.contains(role);
    }
}
