package io.mqttbridge.loadtool.measure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessStatsTest {

    @Test
    void readsCpuAndMemoryOfARealProcess() {
        ProcessStats stats = new ProcessStats(ProcessHandle.current().pid());

        assertThat(stats.rssBytes()).isGreaterThan(1024 * 1024);
        assertThat(stats.cpuNanos()).isPositive();
    }

    @Test
    void parsesStatWhoseCommandNameHoldsSpacesAndParentheses(@TempDir Path proc) throws IOException {
        Path dir = Files.createDirectories(proc.resolve("42"));
        // Fields after the name: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
        Files.writeString(dir.resolve("stat"), "42 (my (odd) name) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0\n");
        Files.writeString(dir.resolve("status"), "Name:\tx\nVmRSS:\t   2048 kB\nThreads:\t1\n");

        ProcessStats stats = new ProcessStats(42, proc);

        assertThat(stats.cpuNanos()).isEqualTo(300 * 10_000_000L);
        assertThat(stats.rssBytes()).isEqualTo(2048 * 1024L);
    }

    @Test
    void missingProcessIsAClearError(@TempDir Path proc) {
        assertThatThrownBy(() -> new ProcessStats(99, proc).check()).hasMessageContaining("process 99");
    }
}
