package io.mqttbridge.loadtool.measure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CPU time and resident memory of another process (the broker under test), read from
 * {@code /proc/<pid>/stat} and {@code /proc/<pid>/status}. Linux only.
 */
public final class ProcessStats {

    /** Linux reports CPU times in /proc in USER_HZ, which is 100 on every mainstream architecture. */
    private static final long NANOS_PER_TICK = 10_000_000L;

    private final long pid;
    private final Path proc;

    public ProcessStats(long pid) {
        this(pid, Path.of("/proc"));
    }

    ProcessStats(long pid, Path procRoot) {
        this.pid = pid;
        this.proc = procRoot.resolve(Long.toString(pid));
    }

    public long pid() {
        return pid;
    }

    /** @throws IllegalArgumentException if the process cannot be read */
    public void check() {
        cpuNanos();
        rssBytes();
    }

    /** User plus system CPU time of all the process's threads so far. */
    public long cpuNanos() {
        String stat = read("stat");
        // The command name in parentheses may hold spaces; the fields we want follow the last ')'.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" +");
        long utime = Long.parseLong(fields[11]);
        long stime = Long.parseLong(fields[12]);
        return (utime + stime) * NANOS_PER_TICK;
    }

    /** Resident set size (VmRSS). */
    public long rssBytes() {
        for (String line : read("status").split("\n")) {
            if (line.startsWith("VmRSS:")) {
                List<String> parts = List.of(line.substring(6).trim().split(" +"));
                return Long.parseLong(parts.get(0)) * 1024;
            }
        }
        throw new IllegalArgumentException("no VmRSS for process " + pid);
    }

    private String read(String file) {
        try {
            return Files.readString(proc.resolve(file));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + proc.resolve(file) + " (is process " + pid + " running?)", e);
        }
    }
}
