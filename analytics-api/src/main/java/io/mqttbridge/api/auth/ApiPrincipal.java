package io.mqttbridge.api.auth;

import java.security.Principal;

/** An authenticated API client. */
public record ApiPrincipal(String name, ApiRole role) implements Principal {

    @Override
    public String getName() {
        return name;
    }
}
