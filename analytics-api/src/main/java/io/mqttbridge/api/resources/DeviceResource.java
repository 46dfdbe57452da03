package io.mqttbridge.api.resources;

import com.codahale.metrics.annotation.Timed;
import io.mqttbridge.api.auth.ApiRole;
import io.mqttbridge.api.errors.ApiException;
import io.mqttbridge.api.resources.internal.DevicePasswords;
import io.mqttbridge.api.resources.internal.IdSegment;
import io.mqttbridge.api.resources.internal.Params;
import io.mqttbridge.api.resources.model.AclRuleBody;
import io.mqttbridge.api.resources.model.CreatedDevice;
import io.mqttbridge.api.resources.model.CredentialRotation;
import io.mqttbridge.api.resources.model.DeviceCreation;
import io.mqttbridge.api.resources.model.DeviceDetails;
import io.mqttbridge.api.resources.model.DeviceUpdate;
import io.mqttbridge.api.resources.model.PageResponse;
import io.mqttbridge.api.resources.model.RotatedCredentials;
import io.mqttbridge.broker.spi.AclRule;
import io.mqttbridge.broker.spi.ScramVerifier;
import io.mqttbridge.db.Database;
import io.mqttbridge.db.Device;
import io.mqttbridge.db.DeviceAlreadyExistsException;
import io.mqttbridge.db.DeviceQuery;
import io.mqttbridge.db.NewDevice;
import io.mqttbridge.db.NoSuchDeviceException;
import io.mqttbridge.db.StorableText;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code /api/v1/devices}: the device registry. Every change is followed by
 * {@link DeviceChanges}, so that it holds for the next connect, and a device that is disabled or
 * deleted loses its live connections on this node at once (and on every node through PostgreSQL's
 * change notifications).
 */
@Path("/api/v1/devices")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "devices", description = "Devices, their credentials and ACL rules")
@SecurityRequirement(name = "bearer")
@SecurityRequirement(name = "basic")
@ApiResponse(responseCode = "503", ref = OpenApiConventions.DATABASE_BUSY)
@Timed
public class DeviceResource {

    private static final long MAX_GRACE_SECONDS = Duration.ofDays(30).toSeconds();
    private static final String GENERATED_WHEN_ABSENT = " (leave it out to have one generated)";

    private final Database database;
    private final DeviceChanges changes;

    public DeviceResource(Database database, DeviceChanges changes) {
        this.database = database;
        this.changes = changes;
    }

    @GET
    @RolesAllowed(ApiRole.READ)
    @Operation(summary = "List devices by id, filtered and paginated")
    public PageResponse<DeviceDetails> list(
            @Parameter(description = "case-insensitive substring of the id or display name")
            @QueryParam("search") String search,
            @Parameter(schema = @Schema(type = "boolean")) @QueryParam("enabled") String enabled,
            @Parameter(description = "nextCursor of the previous page") @QueryParam("cursor") String cursor,
            @Parameter(schema = @Schema(type = "integer", minimum = "1", maximum = "" + DeviceQuery.MAX_LIMIT,
                    defaultValue = "" + DeviceQuery.DEFAULT_LIMIT)) @QueryParam("limit") String limit) {
        DeviceQuery query = DeviceQuery.all()
                .search(search)
                .enabled(Params.bool("enabled", enabled))
                .after(Params.text(cursor))
                .limit(Params.limit(limit, DeviceQuery.DEFAULT_LIMIT, DeviceQuery.MAX_LIMIT));
        return PageResponse.of(Params.query(() -> database.devices().list(query)), DeviceDetails::summary);
    }

    @GET
    @Path("/{id}")
    @RolesAllowed(ApiRole.READ)
    @Operation(summary = "One device with its ACL rules and credential dates",
            responses = {@ApiResponse(responseCode = "200", description = "OK", useReturnTypeSchema = true),
                    @ApiResponse(responseCode = "404", description = "no such device")})
    public DeviceDetails get(@PathParam("id") String id) {
        return details(existing(id));
    }

    @POST
    @RolesAllowed(ApiRole.WRITE)
    @Operation(summary = "Create a device; without a password one is generated and returned once",
            responses = {
                    @ApiResponse(responseCode = "201", description = "created; generatedPassword is shown this once",
                            content = @Content(schema = @Schema(implementation = CreatedDevice.class)),
                            headers = @Header(name = "Location", description = "the device's path")),
                    @ApiResponse(responseCode = "400", description = "invalid input"),
                    @ApiResponse(responseCode = "409", description = "the id is taken")})
    public Response create(DeviceCreation body) {
        if (body == null) {
            throw ApiException.badRequest("a JSON body with at least an id is required");
        }
        NewDevice newDevice = badRequestOnInvalid(() -> new NewDevice(body.id(), body.displayName(),
                body.enabled() == null || body.enabled(), body.metadata()));
        DevicePasswords.check(body.password(), GENERATED_WHEN_ABSENT);
        List<AclRule> rules = rules(body.aclRules());
        List<ScramVerifier> verifiers = verifiers(body.scramCredentials());
        // One transaction: a device without its password or rules is never visible, not even to the
        // nodes that hear of it through NOTIFY (sent at commit).
        CreatedDevice created = inOneTransaction(() -> {
            Device device;
            try {
                device = database.devices().create(newDevice);
            } catch (DeviceAlreadyExistsException e) {
                throw ApiException.conflict("a device with id '" + body.id() + "' already exists");
            }
            String generated = null;
            if (body.password() == null && verifiers.isEmpty()) {
                generated = database.credentials().generatePassword(device.id());
            } else {
                database.credentials().setCredential(device.id(), body.password(), verifiers);
            }
            if (rules != null) {
                database.aclRules().replaceRules(device.id(), rules);
            }
            return new CreatedDevice(details(device), generated);
        });
        changes.changed(newDevice.id());
        return Response.created(URI.create("/api/v1/devices/" + IdSegment.of(newDevice.id())))
                .entity(created)
                .build();
    }

    @PATCH
    @Path("/{id}")
    @RolesAllowed(ApiRole.WRITE)
    @Operation(summary = "Change a device: enabled, display name, metadata (replaced), ACL rules (replaced); "
            + "disabling it closes its connections on every node; password and/or scramCredentials replace its credentials",
            responses = {
                    @ApiResponse(responseCode = "200", description = "the device as changed",
                            useReturnTypeSchema = true),
                    @ApiResponse(responseCode = "400", description = "invalid input"),
                    @ApiResponse(responseCode = "404", description = "no such device")})
    public DeviceDetails update(@PathParam("id") String id, DeviceUpdate body) {
        if (body == null) {
            throw ApiException.badRequest("a JSON body with the fields to change is required");
        }
        List<AclRule> rules = rules(body.aclRules());
        List<ScramVerifier> verifiers = verifiers(body.scramCredentials());
        DevicePasswords.check(body.password(), "");
        // Checked here, before the transaction, to answer 400 naming the key: the repository's own
        // check would roll the PATCH back too, but end the request as an unexpected error.
        badRequestOnInvalid(() -> {
            Device.checkDisplayName(body.displayName());
            StorableText.checkJson(body.metadata(), "metadata");
            return body;
        });
        boolean newCredential = body.password() != null || !verifiers.isEmpty();
        existing(id);
        try {
            // One transaction: no reader (nor a concurrent PATCH) sees the device half changed.
            inOneTransaction(() -> {
                if (newCredential) {
                    database.credentials().setCredential(id, body.password(), verifiers);
                }
                if (body.displayName() != null) {
                    database.devices().setDisplayName(id, body.displayName());
                }
                if (body.metadata() != null) {
                    database.devices().replaceMetadata(id, body.metadata());
                }
                if (rules != null) {
                    database.aclRules().replaceRules(id, rules);
                }
                if (body.enabled() != null) {
                    database.devices().setEnabled(id, body.enabled());
                }
                return id;
            });
        } catch (NoSuchDeviceException e) {
            throw notFound(id);
        } finally {
            if (Boolean.FALSE.equals(body.enabled())) {
                changes.revoked(id);
            } else if (newCredential) {
                changes.credentialsRotated(id, Duration.ZERO);
            } else {
                changes.changed(id);
            }
        }
        return details(existing(id));
    }

    @POST
    @Path("/{id}/credentials/rotate")
    @RolesAllowed(ApiRole.WRITE)
    @Operation(summary = "Set a new password (given or generated); old ones keep working for graceSeconds",
            responses = {
                    @ApiResponse(responseCode = "200", description = "rotated; generatedPassword is shown this once",
                            useReturnTypeSchema = true),
                    @ApiResponse(responseCode = "400", description = "invalid input"),
                    @ApiResponse(responseCode = "404", description = "no such device")})
    public RotatedCredentials rotate(@PathParam("id") String id, CredentialRotation body) {
        CredentialRotation rotation = body == null ? new CredentialRotation(null, null) : body;
        long graceSeconds = rotation.graceSeconds() == null ? 0 : rotation.graceSeconds();
        if (graceSeconds < 0 || graceSeconds > MAX_GRACE_SECONDS) {
            throw ApiException.badRequest("graceSeconds must be between 0 and " + MAX_GRACE_SECONDS + ", was " + graceSeconds);
        }
        DevicePasswords.check(rotation.password(), GENERATED_WHEN_ABSENT);
        List<ScramVerifier> verifiers = verifiers(rotation.scramCredentials());
        Duration grace = Duration.ofSeconds(graceSeconds);
        Instant previousValidUntil = Instant.now().plus(grace);
        String generated = null;
        try {
            if (rotation.password() == null && verifiers.isEmpty()) {
                generated = database.credentials().rotateGenerated(id, grace);
            } else {
                database.credentials().rotateCredential(id, rotation.password(), verifiers, grace);
            }
        } catch (NoSuchDeviceException e) {
            throw notFound(id);
        }
        changes.credentialsRotated(id, grace);
        return new RotatedCredentials(id, generated, previousValidUntil);
    }

    @DELETE
    @Path("/{id}")
    @RolesAllowed(ApiRole.WRITE)
    @Operation(summary = "Delete a device with its credentials and ACL rules (its history stays); "
            + "closes its connections on every node",
            responses = {@ApiResponse(responseCode = "204", description = "done"),
                    @ApiResponse(responseCode = "404", description = "no such device")})
    public Response delete(@PathParam("id") String id) {
        boolean deleted = database.devices().delete(id);
        changes.revoked(id);
        if (!deleted) {
            throw notFound(id);
        }
        return Response.noContent().build();
    }

    private Device existing(String id) {
        return database.devices().find(id).orElseThrow(() -> notFound(id));
    }

    private DeviceDetails details(Device device) {
        List<AclRuleBody> rules = database.aclRules().rulesFor(device.id()).stream().map(AclRuleBody::of).toList();
        return DeviceDetails.full(device, rules, database.credentials().list(device.id()));
    }

    /** RFC 5803 texts to verifiers, at most one per mechanism; 400 naming the entry otherwise. */
    private static List<ScramVerifier> verifiers(List<String> texts) {
        if (texts == null) {
            return List.of();
        }
        List<ScramVerifier> verifiers = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            try {
                ScramVerifier verifier = ScramVerifier.parse(texts.get(i));
                if (verifiers.stream().anyMatch(v -> v.mechanism() == verifier.mechanism())) {
                    throw new IllegalArgumentException("more than one verifier of " + verifier.mechanism().methodName());
                }
                verifiers.add(verifier);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("scramCredentials[" + i + "]: " + e.getMessage());
            }
        }
        return verifiers;
    }

    private static List<AclRule> rules(List<AclRuleBody> bodies) {
        if (bodies == null) {
            return null;
        }
        List<AclRule> rules = new ArrayList<>(bodies.size());
        for (int i = 0; i < bodies.size(); i++) {
            if (bodies.get(i) == null) {
                throw ApiException.badRequest("aclRules[" + i + "] must not be null");
            }
            rules.add(bodies.get(i).toRule(i));
        }
        return rules;
    }

    /**
     * Runs repository calls in one transaction: Jdbi hands every call on this thread the handle of the
     * enclosing transaction, so they commit together or not at all (an exception rolls back and is
     * rethrown as it was).
     */
    private <T> T inOneTransaction(Supplier<T> work) {
        return database.jdbi().inTransaction(handle -> work.get());
    }

    private static <T> T badRequestOnInvalid(Supplier<T> build) {
        try {
            return build.get();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    private static ApiException notFound(String id) {
        return ApiException.notFound("no device '" + id + "'");
    }
}
