package io.mqttbridge.api.health;

import com.codahale.metrics.health.HealthCheck;
import io.mqttbridge.api.disk.DiskSpaceGuard;

/**
 * Unhealthy while the {@link DiskSpaceGuard} refuses new messages for want of disk space, naming the
 * directory, its free space and the limit; healthy with the least free space otherwise. Reads the
 * guard's last check only.
 */
public class DiskSpaceHealthCheck extends HealthCheck {

    private final DiskSpaceGuard guard;

    public DiskSpaceHealthCheck(DiskSpaceGuard guard) {
        this.guard = guard;
    }

    @Override
    protected Result check() {
        DiskSpaceGuard.Reading reading = guard.lastReading();
        ResultBuilder result = reading.refusing()
                ? Result.builder().unhealthy().withMessage(
                        "refusing new messages: %d bytes free on the file system of %s, below diskGuard.minFreeBytes "
                                + "(%d); accepting again from %d", reading.usableBytes(), reading.directory(),
                        guard.minFreeBytes(), guard.resumeFreeBytes())
                : Result.builder().healthy().withMessage("%d bytes free on the file system of %s",
                        reading.usableBytes(), reading.directory());
        return result.withDetail("directory", reading.directory().toString())
                .withDetail("usableBytes", reading.usableBytes())
                .withDetail("minFreeBytes", guard.minFreeBytes())
                .withDetail("refusing", reading.refusing())
                .build();
    }
}
