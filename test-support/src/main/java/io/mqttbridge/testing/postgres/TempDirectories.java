package io.mqttbridge.testing.postgres;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Removal of the temporary directories the shared test servers leave behind at JVM exit. */
final class TempDirectories {

    private TempDirectories() {
    }

    static void deleteQuietly(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // Best effort at exit: a leftover file in /tmp is not worth failing for.
                }
            });
        } catch (IOException e) {
            // As above.
        }
    }
}
