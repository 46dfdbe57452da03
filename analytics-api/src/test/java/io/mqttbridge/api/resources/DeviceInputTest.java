package io.mqttbridge.api.resources;

import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.dropwizard.testing.junit5.ResourceExtension;
import io.mqttbridge.db.testing.TestDatabase;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;

import static io.mqttbridge.api.resources.ResourceTestSupport.ADMIN;
import static io.mqttbridge.api.resources.ResourceTestSupport.as;
import static io.mqttbridge.api.resources.ResourceTestSupport.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Device ids the API stores must be ones an operator can tell apart: against real PostgreSQL.
 */
class DeviceInputTest {

    @RegisterExtension
    @Order(1)
    static final TestDatabase db = new TestDatabase();

    @RegisterExtension
    @Order(2)
    static final DropwizardExtensionsSupport dropwizard = new DropwizardExtensionsSupport();

    static final ResourceExtension resources = ResourceTestSupport.resources()
            .addResource(() -> new DeviceResource(db.database(), DeviceChanges.NONE))
            .build();

    @BeforeEach
    void clean() {
        db.truncateAll();
    }

    private static Response create(Map<String, Object> body) {
        return as(resources, ADMIN, "/api/v1/devices").post(Entity.json(body));
    }

    private static int status(Response response) {
        try (response) {
            return response.getStatus();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"pg-001 ", " pg-001", "  sp ", "tab\t", "\u00a0nbsp", "ideographic\u3000"})
    void anIdWithWhitespaceAtAnEndIsRefusedAndNotCreated(String id) {
        assertProblem(create(Map.of("id", id)), 400, "device id must not begin or end with whitespace");
        assertThat(db.database().devices().find(id)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"x\u0007y", "line\nbreak", "del\u007f", "next\u0085line"})
    void anIdWithAControlCharacterIsRefusedNamingIt(String id) {
        assertProblem(create(Map.of("id", id)), 400, String.format(
                "device id must not contain a control character (U+%04X)", (int) id.chars()
                        .filter(Character::isISOControl).findFirst().orElseThrow()));
        assertThat(db.database().devices().find(id)).isEmpty();
    }

    @Test
    void whitespaceInsideAnIdIsTaken() {
        assertThat(status(create(Map.of("id", "hall 3 sensor")))).isEqualTo(201);
        assertThat(status(create(Map.of("id", "pg-001")))).isEqualTo(201);
    }
}
