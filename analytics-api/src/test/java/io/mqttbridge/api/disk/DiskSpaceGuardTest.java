package io.mqttbridge.api.disk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.codahale.metrics.health.HealthCheck;
import io.mqttbridge.api.health.DiskSpaceHealthCheck;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The guard's decisions over readings the test sets, and its health check. */
class DiskSpaceGuardTest {

    private static final long MIB = 1024 * 1024;
    private static final Path KAFKA = Path.of("/data/kafka");
    private static final Path POSTGRES = Path.of("/data/postgres");

    private final Map<Path, Long> usable = new ConcurrentHashMap<>();
    private final DiskSpaceGuard guard = new DiskSpaceGuard(List.of(KAFKA, POSTGRES), 100 * MIB, directory -> {
        Long bytes = usable.get(directory);
        if (bytes == null) {
            throw new IOException("unreadable: " + directory);
        }
        return bytes;
    });

    @Test
    void refusesBelowTheLimitOnAnyDirectoryAndAcceptsAgainOnlyWithATenthMoreFree() {
        usable.put(KAFKA, 500 * MIB);
        usable.put(POSTGRES, 101 * MIB);
        assertThat(guard.check().refusing()).isFalse();

        usable.put(POSTGRES, 99 * MIB);
        DiskSpaceGuard.Reading low = guard.check();
        assertThat(low.refusing()).isTrue();
        assertThat(low.directory()).isEqualTo(POSTGRES);
        assertThat(low.usableBytes()).isEqualTo(99 * MIB);
        assertThat(guard.isRefusing()).isTrue();

        usable.put(POSTGRES, 109 * MIB);
        assertThat(guard.check().refusing()).as("above the limit, below the limit and a tenth").isTrue();
        usable.put(POSTGRES, 110 * MIB);
        assertThat(guard.check().refusing()).isFalse();
        assertThat(guard.resumeFreeBytes()).isEqualTo(110 * MIB);

        usable.put(POSTGRES, 105 * MIB);
        assertThat(guard.check().refusing()).as("accepting again: the limit itself counts").isFalse();
    }

    @Test
    void aDirectoryThatCannotBeReadLeavesTheLastDecisionToTheOthers() {
        usable.put(KAFKA, 50 * MIB);
        usable.put(POSTGRES, 500 * MIB);
        assertThat(guard.check().refusing()).isTrue();
        usable.remove(KAFKA);
        DiskSpaceGuard.Reading reading = guard.check();
        assertThat(reading.directory()).isEqualTo(POSTGRES);
        assertThat(reading.refusing()).isFalse();

        usable.remove(POSTGRES);
        assertThat(guard.check()).as("nothing readable: unchanged").isEqualTo(reading);
    }

    @Test
    void aDirectoryNotMadeYetIsReadThroughItsNearestParent(@TempDir Path temp) {
        Path notYet = temp.resolve("kafka/logs");
        DiskSpaceGuard real = new DiskSpaceGuard(List.of(notYet), 1, DiskSpaceGuard.FILE_SYSTEM);
        DiskSpaceGuard.Reading reading = real.check();
        assertThat(reading.directory()).isEqualTo(notYet);
        assertThat(Files.exists(notYet)).isFalse();
        assertThat(reading.usableBytes()).isPositive().isLessThan(Long.MAX_VALUE);
        assertThat(reading.refusing()).isFalse();
    }

    @Test
    void theHealthCheckNamesTheDirectoryItsFreeSpaceAndTheLimit() {
        DiskSpaceHealthCheck check = new DiskSpaceHealthCheck(guard);
        usable.put(KAFKA, 500 * MIB);
        usable.put(POSTGRES, 400 * MIB);
        guard.check();
        HealthCheck.Result healthy = check.execute();
        assertThat(healthy.isHealthy()).isTrue();
        assertThat(healthy.getMessage()).contains(String.valueOf(400 * MIB)).contains(POSTGRES.toString());

        usable.put(KAFKA, 10 * MIB);
        guard.check();
        HealthCheck.Result refusing = check.execute();
        assertThat(refusing.isHealthy()).isFalse();
        assertThat(refusing.getMessage()).startsWith("refusing new messages").contains(KAFKA.toString())
                .contains("diskGuard.minFreeBytes").contains(String.valueOf(110 * MIB));
        assertThat(refusing.getDetails()).containsEntry("refusing", true).containsEntry("usableBytes", 10 * MIB);
    }

    @Test
    void needsADirectoryAndAPositiveLimit() {
        assertThatThrownBy(() -> new DiskSpaceGuard(List.of(), 1, directory -> 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DiskSpaceGuard(List.of(KAFKA), 0, directory -> 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minFreeBytes");
    }

    @Test
    void bytesAreWrittenAsPeopleReadThem() {
        assertThat(Bytes.of(512)).isEqualTo("512 B");
        assertThat(Bytes.of(512 * MIB)).isEqualTo("512 MiB");
        assertThat(Bytes.of(1536 * MIB)).isEqualTo("1.5 GiB");
    }
}
