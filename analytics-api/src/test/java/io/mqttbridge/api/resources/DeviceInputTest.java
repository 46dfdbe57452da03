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
 * Device ids and passwords the API stores must be ones an operator can tell apart and a device can
 * use: against real PostgreSQL, every endpoint that takes them.
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

    @ParameterizedTest
    @ValueSource(strings = {"rtl\u202Egpj.exe", "sensor\u200B-1", "bom\uFEFF", "iso\u2066late", "soft\u00ADhyphen"})
    void anIdWithAnInvisibleFormatCharacterIsRefusedNamingIt(String id) {
        assertProblem(create(Map.of("id", id)), 400, String.format(
                "device id must not contain an invisible format character (U+%04X)", id.codePoints()
                        .filter(c -> Character.getType(c) == Character.FORMAT).findFirst().orElseThrow()));
        assertThat(db.database().devices().find(id)).isEmpty();
    }

    @Test
    void whitespaceInsideAnIdIsTaken() {
        assertThat(status(create(Map.of("id", "hall 3 sensor")))).isEqualTo(201);
        assertThat(status(create(Map.of("id", "pg-001")))).isEqualTo(201);
    }

    /** MQTT 5 3.1.3.5: the CONNECT password field holds at most 65,535 bytes. */
    @Test
    void aPasswordAnMqttConnectCannotCarryIsRefusedWhereverAPasswordIsSet() {
        String longest = "p".repeat(65_535);
        String oneByteTooLong = "p".repeat(65_536);
        String euros = "\u20ac".repeat(21_846); // 3 bytes each: 65,538 bytes in 21,846 characters

        assertProblem(create(Map.of("id", "d1", "password", oneByteTooLong)), 400,
                "password is 65536 bytes in UTF-8; an MQTT CONNECT carries at most 65535");
        assertProblem(create(Map.of("id", "d1", "password", euros)), 400, "password is 65538 bytes");
        assertThat(db.database().devices().find("d1")).isEmpty();

        assertThat(status(create(Map.of("id", "d1", "password", longest)))).isEqualTo(201);
        assertProblem(as(resources, ADMIN, "/api/v1/devices/d1").method("PATCH",
                Entity.json(Map.of("password", oneByteTooLong))), 400, "password is 65536 bytes");
        assertProblem(as(resources, ADMIN, "/api/v1/devices/d1/credentials/rotate").post(
                Entity.json(Map.of("password", euros))), 400, "password is 65538 bytes");
        assertThat(db.database().credentials().verify("d1", longest)).isTrue();
    }
}
