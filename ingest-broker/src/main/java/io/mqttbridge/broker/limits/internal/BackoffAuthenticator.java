package io.mqttbridge.broker.limits.internal;

import io.mqttbridge.broker.config.LimitsConfig;
import io.mqttbridge.broker.metrics.LimitMetrics;
import io.mqttbridge.broker.spi.AuthenticationRequest;
import io.mqttbridge.broker.spi.AuthenticationResult.Refusal;
import io.mqttbridge.broker.spi.AuthenticationResult;
import io.mqttbridge.broker.spi.Authenticator;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * Slows down password guessing, keyed by source address and user name, with a ceiling for the
 * whole address.
 *
 * <ul>
 *   <li>Per address and user name: after {@code authFailuresBeforeBackoff} failed logins, further
 *       connects for that user name from that address are refused as {@link Refusal#BANNED} (0x8A)
 *       without asking the wrapped authenticator, for a time that doubles with each further failure
 *       up to {@code authBackoffMaxMillis}.
 *   <li>Per address: the same after {@code authFailuresPerAddressBeforeBackoff} failures over all
 *       user names, so that trying many user names from one address is bounded too.
 *   <li>Attempts still being checked count as failures until they complete: a burst of parallel
 *       guesses cannot get more than the threshold through before the first answer.
 *   <li>A successful login clears only its own user name's failures (and takes them off the
 *       address's count): it never clears another identity's record, so an attacker who owns one
 *       account cannot reset the backoff of the account it is guessing.
 * </ul>
 *
 * <p>Memory: at most {@code trackedAddresses} addresses (least recently used forgotten) with at
 * most {@value #USER_NAMES_PER_ADDRESS} user names each (the address-wide ceiling covers the
 * rest). Threading: as the wrapped authenticator; the table is synchronized.
 */
public final class BackoffAuthenticator implements Authenticator {

    static final int USER_NAMES_PER_ADDRESS = 64;

    /** Failures, attempts in flight and the backoff of one key. */
    private static final class Counter {
        int failures;
        int inFlight;
        long blockedUntilNanos;

        /**
         * Backing off, or the attempts in flight would reach the threshold; once a backoff has run
         * out, one attempt at a time may probe again (its failure starts a longer backoff).
         */
        boolean blocked(long now, int threshold) {
            if (blockedUntilNanos != 0 && now - blockedUntilNanos < 0) {
                return true;
            }
            if (failures + inFlight < threshold) {
                return false;
            }
            return blockedUntilNanos == 0 ? threshold > 0 : inFlight > 0;
        }
    }

    private static final class AddressRecord {
        final Counter address = new Counter();
        final Map<String, Counter> byUser = new LinkedHashMap<>(4, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Counter> eldest) {
                return size() > USER_NAMES_PER_ADDRESS && eldest.getValue().inFlight == 0;
            }
        };

        Counter user(String username) {
            return byUser.computeIfAbsent(username == null ? "" : username, u -> new Counter());
        }
    }

    private final Authenticator delegate;
    private final LimitsConfig config;
    private final LimitMetrics metrics;
    private final AddressTable<AddressRecord> records;
    private final LongSupplier nanoClock;

    public BackoffAuthenticator(Authenticator delegate, LimitsConfig config, LimitMetrics metrics, LongSupplier nanoClock) {
        this.delegate = delegate;
        this.config = config;
        this.metrics = metrics;
        this.records = new AddressTable<>(config.getTrackedAddresses());
        this.nanoClock = nanoClock;
    }

    @Override
    public CompletableFuture<AuthenticationResult> authenticate(AuthenticationRequest request) {
        InetAddress address = request.remoteAddress() == null ? null : request.remoteAddress().getAddress();
        if (address == null) {
            return delegate.authenticate(request);
        }
        long now = nanoClock.getAsLong();
        boolean admitted = records.with(address, a -> new AddressRecord(), record -> {
            Counter user = record.user(request.username());
            if (user.blocked(now, config.getAuthFailuresBeforeBackoff())
                    || record.address.blocked(now, config.getAuthFailuresPerAddressBeforeBackoff())) {
                return false;
            }
            user.inFlight++;
            record.address.inFlight++;
            return true;
        });
        if (!admitted) {
            metrics.authBackoffRefused();
            return CompletableFuture.completedFuture(AuthenticationResult.refused(Refusal.BANNED));
        }
        CompletableFuture<AuthenticationResult> result;
        try {
            result = delegate.authenticate(request);
        } catch (RuntimeException e) {
            result = CompletableFuture.failedFuture(e);
        }
        return result.whenComplete((outcome, error) -> record(address, request.username(), outcome));
    }

    private void record(InetAddress address, String username, AuthenticationResult result) {
        boolean failed = result instanceof AuthenticationResult.Refused refused
                && (refused.refusal() == Refusal.BAD_USERNAME_OR_PASSWORD || refused.refusal() == Refusal.NOT_AUTHORIZED
                        || refused.refusal() == Refusal.CLIENT_ID_NOT_ALLOWED);
        boolean succeeded = result instanceof AuthenticationResult.Success;
        records.with(address, a -> new AddressRecord(), record -> {
            Counter user = record.user(username);
            user.inFlight = Math.max(0, user.inFlight - 1);
            record.address.inFlight = Math.max(0, record.address.inFlight - 1);
            if (succeeded && username != null) {
                // A login without a user name (anonymous, or SCRAM whose name is in the exchange)
                // shares one record per address: its success must not clear the guesses of others.
                record.address.failures = Math.max(0, record.address.failures - user.failures);
                user.failures = 0;
                user.blockedUntilNanos = 0;
            } else if (failed) {
                fail(user, config.getAuthFailuresBeforeBackoff());
                fail(record.address, config.getAuthFailuresPerAddressBeforeBackoff());
            }
            return null;
        });
    }

    private void fail(Counter counter, int threshold) {
        counter.failures++;
        int over = counter.failures - threshold;
        if (threshold > 0 && over >= 0) {
            long millis = Math.min(config.getAuthBackoffMaxMillis(),
                    config.getAuthBackoffInitialMillis() << Math.min(over, 30));
            counter.blockedUntilNanos = nanoClock.getAsLong() + millis * 1_000_000L;
            if (counter.blockedUntilNanos == 0) {
                counter.blockedUntilNanos = 1;
            }
        }
    }
}
