package io.mqttbridge.kafka.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class KafkaHaltNoticeTest {

    @Test
    void kafkasHaltIsPrecededByTheReasonTheDataDirectoryAndWhatToDo() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<Integer> halts = new ArrayList<>();
        Path data = Path.of("/var/lib/bridge/kafka");

        KafkaHaltNotice.procedure(data, new PrintStream(err, true, StandardCharsets.UTF_8), halts::add)
                .execute(1, "Shutdown broker because all log dirs in /var/lib/bridge/kafka have failed");

        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("halting the process (status 1)", "all log dirs", data.toString(), "free space");
        assertThat(halts).as("Kafka's halt still happens, after the notice").containsExactly(1);
    }
}
