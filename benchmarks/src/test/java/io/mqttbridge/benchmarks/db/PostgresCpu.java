package io.mqttbridge.benchmarks.db;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.jdbi.v3.core.Jdbi;

/**
 * CPU time of a local PostgreSQL server (Linux {@code /proc}): the postmaster's own and that of the
 * children it has reaped, plus every live child (backends, WAL writer, checkpointer, autovacuum).
 * Divided by the rows written meanwhile it gives the server's CPU per row, a figure far less
 * sensitive to the machine's load than a rate. Returns -1 where {@code /proc} cannot be read.
 */
final class PostgresCpu {

    private static final double TICKS_PER_SECOND = 100; // USER_HZ on Linux

    private final long postmaster;

    private PostgresCpu(long postmaster) {
        this.postmaster = postmaster;
    }

    /** The server behind the pool: the parent of one of its backends. */
    static PostgresCpu of(Jdbi jdbi) {
        long backend = jdbi.withHandle(h -> h.createQuery("SELECT pg_backend_pid()").mapTo(Long.class).one());
        String[] stat = stat(backend);
        return new PostgresCpu(stat == null ? -1 : Long.parseLong(stat[3]));
    }

    /** CPU seconds so far (user and system). */
    double seconds() {
        String[] own = stat(postmaster);
        if (own == null) {
            return -1;
        }
        long ticks = Long.parseLong(own[13]) + Long.parseLong(own[14]) + Long.parseLong(own[15]) + Long.parseLong(own[16]);
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) processes::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                String[] child = stat(Long.parseLong(name));
                if (child != null && Long.parseLong(child[3]) == postmaster) {
                    ticks += Long.parseLong(child[13]) + Long.parseLong(child[14]);
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return ticks / TICKS_PER_SECOND;
    }

    /** The fields of /proc/PID/stat, the command name (which may hold spaces) taken out. */
    private static String[] stat(long pid) {
        try {
            String line = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String afterName = line.substring(line.lastIndexOf(')') + 2);
            String[] rest = afterName.split(" ");
            String[] fields = new String[rest.length + 2];
            fields[0] = Long.toString(pid);
            fields[1] = "name";
            System.arraycopy(rest, 0, fields, 2, rest.length);
            return fields;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
