package io.mqttbridge.broker.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttbridge.broker.spi.MessageProperties;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.SessionSnapshot;
import io.mqttbridge.broker.spi.SessionSnapshot.PendingMessage;
import io.mqttbridge.broker.spi.SessionStore;
import io.mqttbridge.broker.spi.SessionStore.ClientMessage;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The take of a dead node's shared-group messages, kept per recovery round until forgotten. */
class InMemorySessionStoreTest {

    private final InMemorySessionStore store = new InMemorySessionStore();
    private final SessionStore nodeA = store.forNode("node-a");
    private final SessionStore nodeB = store.forNode("node-b");

    @Test
    void takenMessagesLeaveTheSessionAndAreTakenAgainByTheNextRoundUntilForgotten() {
        nodeA.save(new SessionSnapshot("member", 300, null, List.of(), List.of())).join();
        nodeA.append("member", shared(1, "$share/g/jobs", false)).join();
        nodeA.append("member", shared(2, "$share/g/jobs", true)).join();
        nodeA.append("member", shared(3, "$share/other/jobs", false)).join();
        nodeA.append("member", shared(4, "$share/g/jobs", false)).join();

        List<ClientMessage> first = nodeB.takeSharedMessages("node-a", Set.of("$share/g/jobs"), "a1").join();
        assertThat(first).extracting(m -> m.message().sequence()).containsExactly(1L, 4L);
        assertThat(store.get("member").orElseThrow().pending()).extracting(PendingMessage::sequence)
                .as("past PUBREC and another group's stay").containsExactly(2L, 3L);
        assertThat(store.recovering("node-a")).hasSize(2);

        // Its survivor died: the next round gets them again, with what the session got since.
        nodeA.append("member", shared(5, "$share/g/jobs", false)).join();
        List<ClientMessage> second = nodeB.takeSharedMessages("node-a", Set.of("$share/g/jobs"), "a1/b1").join();
        assertThat(second).extracting(m -> m.message().sequence()).containsExactly(1L, 4L, 5L);

        nodeB.forgetRecovered("node-a", "a1").join();
        assertThat(store.recovering("node-a")).as("re-tagged: the dead round forgets nothing").hasSize(3);
        nodeB.forgetRecovered("node-a", "a1/b1").join();
        assertThat(store.recovering("node-a")).isEmpty();
        assertThat(nodeB.takeSharedMessages("node-a", Set.of("$share/g/jobs"), "a2").join()).isEmpty();
    }

    private static PendingMessage shared(long sequence, String group, boolean released) {
        PublishedMessage message = new PublishedMessage("jobs/" + sequence, new byte[] {(byte) sequence}, 1, false,
                "publisher", null, null, Instant.parse("2026-12-05T10:00:00Z"), MessageProperties.NONE);
        return new PendingMessage(message, 1, released ? 7 : 0, released, List.of(), sequence, group);
    }
}
