package io.mqttbridge.api.auth;

import io.dropwizard.auth.Authorizer;
import jakarta.ws.rs.container.ContainerRequestContext;

/** {@code @RolesAllowed} checks: an admin may do anything, a reader only what is marked READ_ONLY. */
public class RoleAuthorizer implements Authorizer<ApiPrincipal> {

    @Override
    public boolean authorize(ApiPrincipal principal, String role, ContainerRequestContext requestContext) {
        return principal.role().grants(role);
    }
}
