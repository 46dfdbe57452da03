package io.mqttbridge.testing.os;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * A file system of its own and of a fixed size (a tmpfs, mounted by root) that a test can fill with a
 * ballast file and free again, so that a process writing there sees a nearly full disk for real.
 * Where mounting is not permitted, the test that asked for it is skipped.
 */
public final class SmallDisk implements AutoCloseable {

    private static final String BALLAST = "ballast";

    private final Path mountPoint;

    private SmallDisk(Path mountPoint) {
        this.mountPoint = mountPoint;
    }

    /** Mounts a tmpfs of {@code sizeMib} MiB on {@code directory} (which must exist and be empty). */
    public static SmallDisk mount(Path directory, int sizeMib) {
        String problem = SystemCommand.problemOf(List.of("mount", "-t", "tmpfs", "-o", "size=" + sizeMib + "m,mode=0700",
                "tmpfs", directory.toString()));
        if (problem != null) {
            Assumptions.abort("mounting a tmpfs is not permitted here: " + problem);
        }
        return new SmallDisk(directory);
    }

    public Path mountPoint() {
        return mountPoint;
    }

    public long usableBytes() {
        try {
            return Files.getFileStore(mountPoint).getUsableSpace();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes a ballast file (real pages: tmpfs has no sparse allocation) until about {@code bytes} are left. */
    public void fillUntilFree(long bytes) {
        ByteBuffer chunk = ByteBuffer.allocate(1024 * 1024);
        try (FileChannel ballast = FileChannel.open(mountPoint.resolve(BALLAST), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            while (usableBytes() - chunk.capacity() > bytes) {
                chunk.clear();
                while (chunk.hasRemaining()) {
                    ballast.write(chunk);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void freeBallast() {
        try {
            Files.deleteIfExists(mountPoint.resolve(BALLAST));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Detaches the file system now; its memory goes once the last process writing there closed its files. */
    @Override
    public void close() {
        String problem = SystemCommand.problemOf(List.of("umount", "-l", mountPoint.toString()));
        if (problem != null) {
            System.err.println("small disk: could not unmount " + mountPoint + ": " + problem);
        }
    }
}
