package io.mqttbridge.broker.auth.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Remembers recent successful (user name, password) verifications for a short time, so that a
 * reconnect storm does not run the slow password hash once per connect.
 *
 * <p>The password is never stored: entries are keyed by an HMAC-SHA256 of user name and password
 * under a random key that lives only in this process, so the cache's content is useless for an
 * offline guessing attack. Bounded: when full, expired entries are dropped, and if it is still full
 * the new entry is not cached.
 *
 * <p>Thread-safe; {@link #contains} and {@link #remember} are fast enough for an event loop.
 */
public final class VerificationCache {

    private static final String HMAC = "HmacSHA256";

    private final Map<Key, Long> expiryByKey = new ConcurrentHashMap<>();
    private final SecretKeySpec secret;
    private final long ttlNanos;
    private final int maxEntries;
    private final LongSupplier nanoTime;

    /**
     * @param ttlNanos how long a success is remembered; 0 disables the cache
     * @param maxEntries the most entries kept
     * @param nanoTime the clock, {@code System::nanoTime} outside tests
     */
    public VerificationCache(long ttlNanos, int maxEntries, LongSupplier nanoTime) {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        this.secret = new SecretKeySpec(key, HMAC);
        this.ttlNanos = ttlNanos;
        this.maxEntries = maxEntries;
        this.nanoTime = nanoTime;
    }

    public boolean contains(String username, byte[] password) {
        if (ttlNanos <= 0) {
            return false;
        }
        Key key = keyOf(username, password);
        Long expiry = expiryByKey.get(key);
        if (expiry == null) {
            return false;
        }
        if (expiry - nanoTime.getAsLong() > 0) {
            return true;
        }
        expiryByKey.remove(key, expiry);
        return false;
    }

    public void remember(String username, byte[] password) {
        if (ttlNanos <= 0) {
            return;
        }
        long now = nanoTime.getAsLong();
        if (expiryByKey.size() >= maxEntries) {
            expiryByKey.values().removeIf(expiry -> expiry - now <= 0);
            if (expiryByKey.size() >= maxEntries) {
                return;
            }
        }
        expiryByKey.put(keyOf(username, password), now + ttlNanos);
    }

    public int size() {
        return expiryByKey.size();
    }

    private Key keyOf(String username, byte[] password) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(secret);
            byte[] user = username.getBytes(StandardCharsets.UTF_8);
            // Length prefix: ("ab", "c") and ("a", "bc") must not collide.
            mac.update(ByteBuffer.allocate(4).putInt(user.length).array());
            mac.update(user);
            mac.update(password);
            return new Key(mac.doFinal());
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is required by every Java platform", e);
        }
    }

    private record Key(byte[] digest) {
        @Override
        public boolean equals(Object other) {
            return other instanceof Key key && Arrays.equals(digest, key.digest);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(digest);
        }
    }
}
