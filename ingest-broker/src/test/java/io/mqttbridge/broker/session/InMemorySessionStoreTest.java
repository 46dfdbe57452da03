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

    @Test
    void aSaveKeepsTheMessagesTheSessionHoldsInTheStoreAloneAndLoadMessagesReadsARange() {
        store.save(new SessionSnapshot("spiller", 300, null, List.of(), List.of())).join();
        for (long sequence = 1; sequence <= 6; sequence++) {
            store.append("spiller", shared(sequence, null, false)).join();
        }
        // In memory: 2 and 3 (1 was acknowledged); 5 and 6 in the store alone; 4 is a stale row.
        store.save(new SessionSnapshot("spiller", 300, null, List.of(),
                List.of(shared(2, null, false), shared(3, null, false))).withStoredOnlyFrom(5)).join();
        assertThat(store.get("spiller").orElseThrow().pending()).extracting(PendingMessage::sequence)
                .containsExactly(2L, 3L, 5L, 6L);
        assertThat(store.get("spiller").orElseThrow().storedOnlyFrom()).as("loads hold everything in pending").isZero();

        assertThat(store.loadMessages("spiller", 3, 5).join()).extracting(PendingMessage::sequence)
                .containsExactly(3L, 5L);
        assertThat(store.loadMessages("spiller", 7, 9).join()).isEmpty();
        assertThat(store.loadMessages("nobody", 1, 9).join()).isEmpty();
        assertThat(nodeB.loadMessages("spiller", 6, 6).join()).extracting(PendingMessage::sequence).containsExactly(6L);

        store.save(new SessionSnapshot("spiller", 300, null, List.of(), List.of(shared(6, null, false)))).join();
        assertThat(store.get("spiller").orElseThrow().pending()).as("none held in the store alone: exactly pending")
                .extracting(PendingMessage::sequence).containsExactly(6L);
    }

    private static PendingMessage shared(long sequence, String group, boolean released) {
        PublishedMessage message = new PublishedMessage("jobs/" + sequence, new byte[] {(byte) sequence}, 1, false,
                "publisher", null, null, Instant.parse("2026-12-05T10:00:00Z"), MessageProperties.NONE);
        return new PendingMessage(message, 1, released ? 7 : 0, released, List.of(), sequence, group);
    }
}
