package io.mqttbridge.broker.auth.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class VerificationCacheTest {

    private final AtomicLong now = new AtomicLong(1_000);

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void remembersOnlyTheExactUserAndPasswordUntilTheTtl() {
        VerificationCache cache = new VerificationCache(100, 10, now::get);
        cache.remember("alice", bytes("pw"));

        assertThat(cache.contains("alice", bytes("pw"))).isTrue();
        assertThat(cache.contains("alice", bytes("pw2"))).isFalse();
        assertThat(cache.contains("bob", bytes("pw"))).isFalse();
        now.addAndGet(100);
        assertThat(cache.contains("alice", bytes("pw"))).isFalse();
        assertThat(cache.size()).isZero();
    }

    @Test
    void userAndPasswordBoundaryIsPartOfTheKey() {
        VerificationCache cache = new VerificationCache(100, 10, now::get);
        cache.remember("ab", bytes("c"));

        assertThat(cache.contains("a", bytes("bc"))).isFalse();
    }

    @Test
    void whenFullExpiredEntriesMakeRoomAndLiveOnesAreKept() {
        VerificationCache cache = new VerificationCache(100, 2, now::get);
        cache.remember("a", bytes("1"));
        cache.remember("b", bytes("2"));
        cache.remember("c", bytes("3"));
        assertThat(cache.contains("c", bytes("3"))).as("no room while both others are live").isFalse();

        now.addAndGet(150);
        cache.remember("d", bytes("4"));

        assertThat(cache.contains("d", bytes("4"))).isTrue();
        assertThat(cache.size()).isEqualTo(1);
    }

    @Test
    void zeroTtlDisablesTheCache() {
        VerificationCache cache = new VerificationCache(0, 10, now::get);
        cache.remember("a", bytes("1"));

        assertThat(cache.contains("a", bytes("1"))).isFalse();
    }
}
