package io.mqttbridge.broker.handler.connect;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ConnectionIdsTest {

    @Test
    void idsAreRandomVersion4UuidsOfTheIetfVariantAndDoNotRepeat() {
        Set<UUID> seen = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            UUID id = ConnectionIds.next();
            assertThat(id.version()).isEqualTo(4);
            assertThat(id.variant()).isEqualTo(2);
            assertThat(seen.add(id)).as("repeated id %s", id).isTrue();
        }
        // What readers do with it: the text form parses back to the same id.
        UUID id = ConnectionIds.next();
        assertThat(UUID.fromString(id.toString())).isEqualTo(id);
    }
}
