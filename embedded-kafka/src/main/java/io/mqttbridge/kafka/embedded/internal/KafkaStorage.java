package io.mqttbridge.kafka.embedded.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.metadata.storage.Formatter;

/**
 * The on-disk side of the embedded broker: formatting a fresh log directory with Kafka's own
 * {@link Formatter} (what {@code kafka-storage.sh format}, i.e. {@code kafka.tools.StorageTool},
 * runs), and finding the cluster id of one formatted before (kept in Kafka's
 * {@code meta.properties}), so that a restart reuses the data instead of reformatting it.
 *
 * <p>{@code StorageTool} itself cannot be loaded next to Dropwizard: its bytecode refers to
 * {@code net.sourceforge.argparse4j.internal.HelpScreenException}, which argparse4j 0.9 (Dropwizard's
 * version) moved, so the JVM rejects the whole class. The formatter it delegates to has no such tie.
 */
public final class KafkaStorage {

    static final String META_PROPERTIES = "meta.properties";

    private KafkaStorage() {
    }

    /** @return the cluster id the directory was formatted with, if it was */
    public static Optional<String> formattedClusterId(Path logDirectory) {
        Path meta = logDirectory.resolve(META_PROPERTIES);
        if (!Files.isRegularFile(meta)) {
            return Optional.empty();
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(meta, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + meta, e);
        }
        String clusterId = properties.getProperty("cluster.id");
        if (clusterId == null || clusterId.isBlank()) {
            throw new IllegalStateException(meta + " has no cluster.id; move the directory away or fix the file");
        }
        return Optional.of(clusterId);
    }

    /**
     * Formats the log directory for a combined broker and controller node unless it is formatted already.
     *
     * @return the cluster id in use
     */
    public static String formatIfNeeded(Path logDirectory, int nodeId, String controllerListenerName) {
        Optional<String> existing = formattedClusterId(logDirectory);
        if (existing.isPresent()) {
            return existing.get();
        }
        String clusterId = Uuid.randomUuid().toString();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try (PrintStream printStream = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            Files.createDirectories(logDirectory);
            String directory = logDirectory.toAbsolutePath().toString();
            new Formatter()
                    .setPrintStream(printStream)
                    .setNodeId(nodeId)
                    .setClusterId(clusterId)
                    .setControllerListenerName(controllerListenerName)
                    .setMetadataLogDirectory(directory)
                    .setDirectories(List.of(directory))
                    // A controller writes the bootstrap snapshot; the voters are static (controller.quorum.voters).
                    .setWriteBootstrapSnapshot(true)
                    .setHasDynamicQuorum(false)
                    .setIgnoreFormatted(true)
                    .run();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot format Kafka storage in " + logDirectory, e);
        } catch (Exception e) {
            throw new IllegalStateException("formatting Kafka storage in " + logDirectory + " failed: "
                    + e.getMessage() + " " + output.toString(StandardCharsets.UTF_8), e);
        }
        return formattedClusterId(logDirectory).orElseThrow(() ->
                new IllegalStateException("formatting " + logDirectory + " left no " + META_PROPERTIES));
    }
}
