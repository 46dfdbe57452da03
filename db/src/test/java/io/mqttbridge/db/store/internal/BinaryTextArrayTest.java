package io.mqttbridge.db.store.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttbridge.broker.spi.MessageProperties;
import io.mqttbridge.broker.spi.MqttVersion;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.SessionSnapshot.PendingMessage;
import io.mqttbridge.broker.spi.UserProperty;
import io.mqttbridge.db.testing.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link BinaryTextArray} against the real server: every element arrives as it was, whatever it holds. */
class BinaryTextArrayTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();

    /** What the text form of an array quotes or escapes, and what it reads as something else when unquoted. */
    private static final List<String> AWKWARD = Arrays.asList("plain", "", null, "NULL", "null", "{a,b}", "a,b", " padded ",
            "say \"hi\"", "back\\slash", "\\\"", "tab\there\nnewline", "ünïcödé ✓ 𝄞", "{\"json\":[1,{\"k\":\"v\\\\\"}]}",
            "x".repeat(200_000));

    @Test
    void everyElementArrivesUnchangedInOrderWithItsNulls() {
        List<String> read = db.jdbi().withHandle(h -> h.createQuery("""
                        SELECT v FROM unnest(CAST(:values AS text[])) WITH ORDINALITY AS t(v, n) ORDER BY n""")
                .bind("values", BinaryTextArray.of(AWKWARD))
                .mapTo(String.class)
                .list());

        assertThat(read).containsExactlyElementsOf(AWKWARD);
    }

    @Test
    void anEmptyListIsAnEmptyArray() {
        Integer length = db.jdbi().withHandle(h -> h.createQuery("SELECT cardinality(CAST(:values AS text[]))")
                .bind("values", BinaryTextArray.of(List.of()))
                .mapTo(Integer.class)
                .one());

        assertThat(length).isZero();
    }

    @Test
    void queuedMessagesWithQuotesBackslashesAndBracesReadBackAsTheyWereQueued() {
        db.jdbi().useHandle(h -> h.execute(
                "TRUNCATE broker_session_messages, broker_recovery_messages, broker_stored_messages"));
        List<Map.Entry<String, PendingMessage>> queued = new ArrayList<>();
        for (int i = 0; i < AWKWARD.size(); i++) {
            String text = AWKWARD.get(i) == null ? "" : AWKWARD.get(i);
            PublishedMessage message = new PublishedMessage("odd/\"topic\"/\\" + i, text.getBytes(StandardCharsets.UTF_8), 1,
                    false, "pub{1}", "user,\"x\"", MqttVersion.MQTT_5, Instant.parse("2026-12-07T03:00:00Z"),
                    new MessageProperties(1, null, "text/\"plain\"", "re\\ply", null,
                            List.of(new UserProperty("k\"", text.length() > 100 ? "long" : text))));
            queued.add(Map.entry("client-" + (i % 2), new PendingMessage(message, 1, 0, false, List.of(), i + 1)));
        }

        db.jdbi().useTransaction(h -> SessionMessageRows.upsert(h, queued));
        Map<String, List<PendingMessage>> read = db.jdbi().inTransaction(h ->
                SessionMessageReads.byClient(h, List.of("client-0", "client-1"), new SharedMessages()));

        List<PendingMessage> all = new ArrayList<>(read.get("client-0"));
        all.addAll(read.get("client-1"));
        all.sort((a, b) -> Long.compare(a.sequence(), b.sequence()));
        assertThat(all).hasSize(queued.size());
        for (int i = 0; i < all.size(); i++) {
            PublishedMessage expected = queued.get(i).getValue().message();
            PublishedMessage actual = all.get(i).message();
            assertThat(actual.topic()).isEqualTo(expected.topic());
            assertThat(actual.payload()).isEqualTo(expected.payload());
            assertThat(actual.clientId()).isEqualTo(expected.clientId());
            assertThat(actual.properties().contentType()).isEqualTo(expected.properties().contentType());
            assertThat(actual.properties().userProperties()).isEqualTo(expected.properties().userProperties());
        }
    }
}
