package io.mqttbridge.broker.limits.internal;

import io.mqttbridge.broker.limits.LimitMetrics;
import io.mqttbridge.broker.limits.LimitsConfig;
import io.mqttbridge.broker.spi.AuthenticationRequest;
import io.mqttbridge.broker.spi.AuthenticationResult;
import io.mqttbridge.broker.spi.AuthenticationResult.Refusal;
import io.mqttbridge.broker.spi.Authenticator;

import java.net.InetAddress;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * Slows down password guessing from one source address: after {@code authFailuresBeforeBackoff}
 * consecutive refused logins, further connects from that address are refused as
 * {@link Refusal#BANNED} (0x8A) without asking the wrapped authenticator, for a time that doubles
 * with each further failure up to {@code authBackoffMaxMillis}. A successful login clears the record.
 *
 * <p>Threading: as the wrapped authenticator; the table is synchronized.
 */
public final class BackoffAuthenticator implements Authenticator {

    private static final class Record {
        int failures;
        long blockedUntilNanos;
    }

    private final Authenticator delegate;
    private final LimitsConfig config;
    private final LimitMetrics metrics;
    private final AddressTable<Record> records;
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
        boolean blocked = records.with(address, a -> new Record(),
                record -> record.blockedUntilNanos != 0 && now - record.blockedUntilNanos < 0);
        if (blocked) {
            metrics.authBackoffRefused();
            return CompletableFuture.completedFuture(AuthenticationResult.refused(Refusal.BANNED));
        }
        return delegate.authenticate(request).whenComplete((result, error) -> record(address, result));
    }

    private void record(InetAddress address, AuthenticationResult result) {
        if (result instanceof AuthenticationResult.Success) {
            records.remove(address);
            return;
        }
        if (!(result instanceof AuthenticationResult.Refused refused)
                || (refused.refusal() != Refusal.BAD_USERNAME_OR_PASSWORD && refused.refusal() != Refusal.NOT_AUTHORIZED)) {
            return;
        }
        records.with(address, a -> new Record(), record -> {
            record.failures++;
            int over = record.failures - config.getAuthFailuresBeforeBackoff();
            if (over >= 0) {
                long millis = Math.min(config.getAuthBackoffMaxMillis(),
                        config.getAuthBackoffInitialMillis() << Math.min(over, 30));
                record.blockedUntilNanos = nanoClock.getAsLong() + millis * 1_000_000L;
                if (record.blockedUntilNanos == 0) {
                    record.blockedUntilNanos = 1;
                }
            }
            return null;
        });
    }
}
