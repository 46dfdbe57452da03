package io.mqttbridge.api.launcher;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code bin/mqtt-kafka-bridge}'s class-data-sharing archive, with the real JVM and the real script:
 * the first start writes the archive when the process ends, the next start checks it and uses it,
 * a cut-off archive is thrown away instead of crashing the JVM, and {@code BRIDGE_CDS=off} uses none.
 * The jar is a small one of this test's; the launcher treats it like the bridge's.
 */
class LauncherClassDataSharingTest {

    private static final Path LAUNCHER = Path.of("").toAbsolutePath().getParent().resolve("bin/mqtt-kafka-bridge");

    @TempDir
    Path dir;

    private Path jar;
    private Path cache;

    @BeforeEach
    void jar() throws IOException {
        jar = dir.resolve("app.jar");
        cache = dir.resolve("cds");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, LauncherMain.class.getName());
        String entry = LauncherMain.class.getName().replace('.', '/') + ".class";
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream jarOut = new JarOutputStream(out, manifest);
             InputStream classFile = LauncherMain.class.getClassLoader().getResourceAsStream(entry)) {
            jarOut.putNextEntry(new JarEntry(entry));
            classFile.transferTo(jarOut);
            jarOut.closeEntry();
        }
    }

    @Test
    void theFirstStartWritesTheArchiveAndTheNextUsesIt() throws Exception {
        Result first = launch("auto", "");
        assertThat(first.output()).contains("launched hello");
        assertThat(first.exitCode()).isZero();
        Path part = onlyFileIn(cache);
        assertThat(part.getFileName().toString()).startsWith("app-").matches(".*\\.jsa\\.part\\.[0-9]+");

        // -Xshare:on: the JVM refuses to start unless it maps the archive the launcher gives it.
        Result second = launch("auto", "-Xshare:on -Xlog:cds=info");
        assertThat(second.exitCode()).as(second.output()).isZero();
        assertThat(second.output()).contains("launched hello");
        Path archive = onlyFileIn(cache);
        assertThat(archive.getFileName().toString()).isEqualTo(part.getFileName().toString().replaceAll("\\.part\\.[0-9]+$", ""));
        assertThat(second.output()).contains(archive.toString());
    }

    @Test
    void aCutOffArchiveIsThrownAwayAndWrittenAgain() throws Exception {
        launch("auto", "");
        Path part = onlyFileIn(cache);
        byte[] whole = Files.readAllBytes(part);
        Files.delete(part);
        Files.write(part, Arrays.copyOf(whole, whole.length / 3));

        Result afterCut = launch("auto", "");
        assertThat(afterCut.exitCode()).as(afterCut.output()).isZero();
        assertThat(afterCut.output()).contains("launched hello");
        // Not used: thrown away, and written again when this process ended.
        assertThat(afterCut.output()).doesNotContain("SIGBUS");
        assertThat(onlyFileIn(cache).getFileName().toString()).matches(".*\\.jsa\\.part\\.[0-9]+").isNotEqualTo(part.getFileName().toString());
        assertThat(Files.size(onlyFileIn(cache))).isGreaterThan(whole.length / 3);

        Result next = launch("auto", "-Xshare:on");
        assertThat(next.exitCode()).as(next.output()).isZero();
        assertThat(onlyFileIn(cache).getFileName().toString()).endsWith(".jsa");
    }

    @Test
    void offMeansNoArchive() throws Exception {
        Result off = launch("off", "");
        assertThat(off.exitCode()).isZero();
        assertThat(off.output()).contains("launched hello");
        assertThat(Files.exists(cache)).isFalse();
    }

    @Test
    void noArchiveWithAFlightRecordingStartedAtStartUp() throws Exception {
        launch("auto", "");
        launch("auto", "");
        Path archive = onlyFileIn(cache);
        assertThat(archive.getFileName().toString()).endsWith(".jsa");

        // With the archive mapped, such a process crashed (OpenJDK 17.0.15): the launcher leaves it out.
        Result recorded = launch("auto", "-Xlog:cds=info -XX:StartFlightRecording=filename="
                + dir.resolve("start.jfr") + ",settings=profile");
        assertThat(recorded.exitCode()).as(recorded.output()).isZero();
        assertThat(recorded.output()).contains("launched hello").doesNotContain(archive.toString());
    }

    @Test
    void anUnknownSettingIsRefusedWithItsName() throws Exception {
        Result wrong = launch("sometimes", "");
        assertThat(wrong.exitCode()).isEqualTo(2);
        assertThat(wrong.output()).contains("BRIDGE_CDS must be auto or off, was 'sometimes'");
    }

    private record Result(int exitCode, String output) {
    }

    private Result launch(String cds, String javaOpts) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("bash", LAUNCHER.toString(), "hello").redirectErrorStream(true);
        builder.environment().put("BRIDGE_JAR", jar.toString());
        builder.environment().put("BRIDGE_CDS", cds);
        builder.environment().put("BRIDGE_CDS_DIR", cache.toString());
        builder.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        builder.environment().put("JAVA_OPTS", "-Xmx64m " + javaOpts);
        builder.environment().remove("BRIDGE_JVM_OPTS");
        builder.environment().remove("BRIDGE_JVM_PROFILE");
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
        return new Result(process.exitValue(), output);
    }

    private static Path onlyFileIn(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            List<Path> all = files.toList();
            assertThat(all).hasSize(1);
            return all.get(0);
        }
    }
}
