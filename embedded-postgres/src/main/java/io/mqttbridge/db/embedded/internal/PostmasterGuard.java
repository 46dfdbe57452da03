package io.mqttbridge.db.embedded.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure the embedded PostgreSQL never outlives the process that started it. PostgreSQL runs as
 * a separate process (started through pg_ctl, so not even a child of ours): a {@code kill -9} of the
 * bridge would leave it running, holding the port and the data directory.
 *
 * <ul>
 *   <li>Ownership: the owner holds an exclusive lock on a file next to the data directory for as long
 *   as its server runs. Whoever gets the lock while {@code postmaster.pid} names a live postgres on
 *   that data directory knows that postgres is an orphan (its owner died) and stops it first.</li>
 *   <li>Watchdog: a small shell process waits for the owner's JVM to end (GNU {@code tail --pid}) and
 *   then asks the postgres to stop (SIGINT, a fast shutdown), so an orphan does not even wait for
 *   the next start. Stopped with the server on a normal stop.</li>
 * </ul>
 *
 * <p>Linux only for the process checks ({@code /proc}); elsewhere only the lock is taken. Threading:
 * one instance per running server, used from the thread that starts and stops it.
 */
public final class PostmasterGuard implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PostmasterGuard.class);
    private static final Duration ORPHAN_STOP_WAIT = Duration.ofSeconds(30);

    private final Path dataDirectory;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private Process watchdog;

    private PostmasterGuard(Path dataDirectory, FileChannel lockChannel, FileLock lock) {
        this.dataDirectory = dataDirectory;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * Takes ownership of {@code dataDirectory} and stops an orphaned postgres still running on it.
     *
     * @throws IllegalStateException when a live process of ours owns it
     */
    public static PostmasterGuard acquire(Path dataDirectory) {
        Path lockFile = dataDirectory.resolveSibling(dataDirectory.getFileName() + ".owner.lock");
        FileChannel channel = null;
        try {
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (java.nio.channels.OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new IllegalStateException("the embedded PostgreSQL data directory " + dataDirectory
                        + " is in use by another running process (it holds " + lockFile + ")");
            }
            PostmasterGuard guard = new PostmasterGuard(dataDirectory, channel, lock);
            guard.stopOrphan();
            return guard;
        } catch (IOException e) {
            closeQuietly(channel);
            throw new UncheckedIOException("could not lock " + lockFile, e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    /** The pid in {@code postmaster.pid} when that process is alive and runs on this data directory. */
    public Optional<ProcessHandle> runningPostmaster() {
        OptionalLong pid = postmasterPid(dataDirectory);
        if (pid.isEmpty()) {
            return Optional.empty();
        }
        return ProcessHandle.of(pid.getAsLong()).filter(ProcessHandle::isAlive)
                .filter(process -> runsIn(process.pid(), dataDirectory));
    }

    private void stopOrphan() {
        Optional<ProcessHandle> orphan = runningPostmaster();
        if (orphan.isEmpty()) {
            return;
        }
        ProcessHandle process = orphan.get();
        LOG.warn("An embedded PostgreSQL (pid {}) is still running on {} although the process that started it"
                + " is gone (killed?); stopping it before starting again", process.pid(), dataDirectory);
        // SIGINT: a fast shutdown, which also ends connections other processes may still hold to it.
        if (!signalInterrupt(process.pid())) {
            process.destroy();
        }
        try {
            process.onExit().get(ORPHAN_STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.warn("Orphaned PostgreSQL (pid {}) did not stop within {} s; killing it", process.pid(),
                    ORPHAN_STOP_WAIT.toSeconds());
            process.destroyForcibly();
            process.onExit().join();
        }
    }

    /** Starts the watchdog for the postgres now running on the data directory; a no-op off Linux. */
    public void watch() {
        Optional<ProcessHandle> postmaster = runningPostmaster();
        if (postmaster.isEmpty() || !Files.isDirectory(Path.of("/proc"))) {
            return;
        }
        String script = "tail --pid=\"$1\" -f /dev/null 2>/dev/null"
                + " || while kill -0 \"$1\" 2>/dev/null; do sleep 1; done;"
                + " if [ \"$(readlink /proc/$2/cwd)\" = \"$3\" ]; then kill -INT \"$2\"; fi";
        try {
            watchdog = new ProcessBuilder(List.of("sh", "-c", script, "postgres-watchdog",
                    Long.toString(ProcessHandle.current().pid()), Long.toString(postmaster.get().pid()),
                    dataDirectory.toRealPath().toString()))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            LOG.warn("Could not start the watchdog of the embedded PostgreSQL; if this process is killed, the next"
                    + " start stops the orphaned PostgreSQL", e);
        }
    }

    /** The watchdog's process, for tests. */
    public Optional<ProcessHandle> watchdog() {
        return Optional.ofNullable(watchdog).map(Process::toHandle);
    }

    /** Stops the watchdog (first, so that it cannot act on a later process with the same pid) and unlocks. */
    @Override
    public void close() {
        if (watchdog != null) {
            watchdog.descendants().forEach(ProcessHandle::destroy);
            watchdog.destroy();
            watchdog = null;
        }
        try {
            lock.release();
        } catch (IOException e) {
            LOG.debug("releasing the lock of {} failed", dataDirectory, e);
        }
        closeQuietly(lockChannel);
    }

    private static boolean signalInterrupt(long pid) {
        try {
            return new ProcessBuilder("kill", "-INT", Long.toString(pid)).start().waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static OptionalLong postmasterPid(Path dataDirectory) {
        Path pidFile = dataDirectory.resolve("postmaster.pid");
        try {
            List<String> lines = Files.readAllLines(pidFile, StandardCharsets.US_ASCII);
            return lines.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(lines.get(0).trim()));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /* A recycled pid must not be taken for our postgres: postgres works in its data directory. */
    private static boolean runsIn(long pid, Path dataDirectory) {
        Path cwd = Path.of("/proc", Long.toString(pid), "cwd");
        if (!Files.exists(Path.of("/proc"))) {
            return true;
        }
        try {
            return Files.readSymbolicLink(cwd).equals(dataDirectory.toRealPath());
        } catch (IOException e) {
            return false;
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing left to do
            }
        }
    }
}
