package io.mqttbridge.api.fault;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One part of the system under test in a JVM of its own (Kafka, PostgreSQL, the bridge), so that the
 * fault suite can kill it with SIGKILL. Its output goes to a log file; {@link #start} waits for a
 * line that says it is ready.
 */
final class NodeProcess {

    private final String name;
    private final Process process;
    private final String readyLine;

    private NodeProcess(String name, Process process, String readyLine) {
        this.name = name;
        this.process = process;
        this.readyLine = readyLine;
    }

    /** The line that said the node is ready. */
    String readyLine() {
        return readyLine;
    }

    /**
     * @param readyMarker a substring of the output line that says the node is ready
     */
    static NodeProcess start(String name, Path log, String readyMarker, Duration timeout, List<String> jvmOptions,
                             String mainClass, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        CompletableFuture<String> ready = new CompletableFuture<>();
        Thread pump = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8));
                 PrintWriter out = new PrintWriter(Files.newBufferedWriter(log,
                         java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND))) {
                String line;
                while ((line = in.readLine()) != null) {
                    out.println(line);
                    out.flush();
                    if (line.contains(readyMarker)) {
                        ready.complete(line);
                    }
                }
            } catch (IOException e) {
                ready.completeExceptionally(e);
            }
            ready.completeExceptionally(new IllegalStateException(name + " ended before it was ready; see " + log));
        }, name + "-output");
        pump.setDaemon(true);
        pump.start();
        String readyLine;
        try {
            readyLine = ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw new IllegalStateException(name + " was not ready within " + timeout + "; see " + log, e);
        }
        return new NodeProcess(name, process, readyLine);
    }

    /** SIGKILL of the node's JVM (only: its descendants, e.g. a postgres, are left to their fate). */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGKILL of the node and everything it started. */
    void killAll() throws InterruptedException {
        List<ProcessHandle> descendants = process.descendants().toList();
        kill();
        for (ProcessHandle descendant : descendants) {
            descendant.destroyForcibly();
            descendant.onExit().join();
        }
    }

    /** SIGTERM and wait (a normal stop). */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            killAll();
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ")";
    }
}
