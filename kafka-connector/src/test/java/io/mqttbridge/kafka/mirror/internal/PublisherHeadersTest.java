package io.mqttbridge.kafka.mirror.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PublisherHeadersTest {

    private final PublisherHeaders cache = new PublisherHeaders();

    @Test
    void aPublishersHeadersAreEncodedOnceAndSharedByItsRecords() {
        String clientId = "sensor-17";
        PublisherHeaders.Entry first = cache.of(clientId, "alice");
        PublisherHeaders.Entry again = cache.of(new String(clientId.toCharArray()), "alice");

        assertThat(again).isSameAs(first);
        assertThat(first.clientIdHeader().key()).isEqualTo(MirrorHeaders.CLIENT_ID);
        assertThat(first.clientIdHeader().value()).isEqualTo("sensor-17".getBytes(UTF_8)).isSameAs(first.clientIdUtf8());
        assertThat(first.usernameHeader().key()).isEqualTo(MirrorHeaders.USERNAME);
        assertThat(first.usernameHeader().value()).isEqualTo("alice".getBytes(UTF_8)).isSameAs(first.usernameUtf8());
    }

    @Test
    void aNewUsernameOfTheSameClientAfterReAuthenticationGetsNewHeadersAtOnce() {
        String clientId = "sensor-17";
        cache.of(clientId, "alice");

        PublisherHeaders.Entry bob = cache.of(clientId, "bob");
        PublisherHeaders.Entry anonymous = cache.of(clientId, null);

        assertThat(bob.usernameHeader().value()).isEqualTo("bob".getBytes(UTF_8));
        assertThat(anonymous.usernameHeader()).isNull();
        assertThat(anonymous.usernameUtf8()).isNull();
        assertThat(anonymous.clientIdHeader().value()).isEqualTo("sensor-17".getBytes(UTF_8));
        assertThat(cache.of(clientId, "bob").usernameHeader().value()).isEqualTo("bob".getBytes(UTF_8));
    }

    @Test
    void publishersSharingASlotEachGetTheirOwnHeaders() {
        // "Aa" and "BB" have the same String hash code, hence the same slot.
        assertThat("Aa".hashCode()).isEqualTo("BB".hashCode());

        for (int round = 0; round < 3; round++) {
            assertThat(cache.of("Aa", "u1").clientIdHeader().value()).isEqualTo("Aa".getBytes(UTF_8));
            assertThat(cache.of("BB", "u2").clientIdHeader().value()).isEqualTo("BB".getBytes(UTF_8));
            assertThat(cache.of("Aa", "u1").usernameHeader().value()).isEqualTo("u1".getBytes(UTF_8));
        }
    }

    @Test
    void messagesWithoutClientIdHaveNoClientIdHeader() {
        PublisherHeaders.Entry injected = cache.of(null, null);

        assertThat(injected.clientIdHeader()).isNull();
        assertThat(injected.clientIdUtf8()).isNull();
        assertThat(injected.usernameHeader()).isNull();
    }
}
