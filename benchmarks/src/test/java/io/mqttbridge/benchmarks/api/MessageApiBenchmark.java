package io.mqttbridge.benchmarks.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dropwizard.configuration.ResourceConfigurationSourceProvider;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.mqttbridge.api.BridgeApplication;
import io.mqttbridge.api.BridgeConfiguration;
import io.mqttbridge.db.testing.GeneratedMessages;
import io.mqttbridge.db.testing.TestDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The numbers in docs/BENCHMARKS.md, section "REST API latency on 10 million rows": the whole
 * application (its Jetty connector, authentication, Jersey resources, connection pool) over HTTP on
 * 127.0.0.1, on the message history of the db module's query benchmark. Not part of the normal test
 * run (skipped unless {@code -Dbenchmark=true}); prints its results, asserts only that each request
 * succeeded and found messages.
 *
 * <pre>mvn -B -pl benchmarks -am test -Dtest=MessageApiBenchmark -Dsurefire.failIfNoSpecifiedTests=false -Dbenchmark=true</pre>
 */
@EnabledIfSystemProperty(named = "benchmark", matches = "true")
class MessageApiBenchmark {

    private static final int ROWS = Integer.getInteger("benchmark.queryRows", 10_000_000);
    private static final int RUNS = Integer.getInteger("benchmark.runs", 200);
    private static final String TOKEN = "Bearer e2e-admin-token";
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    @Order(1)
    static final TestDatabase db = new TestDatabase();

    @RegisterExtension
    @Order(2)
    static final DropwizardExtensionsSupport dropwizard = new DropwizardExtensionsSupport();

    // e2e-config.yml comes from analytics-api's test jar: read as a class path resource, not a file
    static final DropwizardAppExtension<BridgeConfiguration> APP = new DropwizardAppExtension<>(
            BridgeApplication.class, "e2e-config.yml", new ResourceConfigurationSourceProvider(),
            ConfigOverride.config("dataDirectory", MessageApiBenchmark::temporaryDataDirectory),
            ConfigOverride.config("database.jdbcUrl", () -> db.config().getJdbcUrl()),
            ConfigOverride.config("database.user", () -> db.config().getUser()),
            ConfigOverride.config("database.password", () -> db.config().getPassword()));

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static Instant end;

    private static String temporaryDataDirectory() {
        try {
            return Files.createTempDirectory("bridge-bench-").toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @BeforeAll
    static void load() {
        end = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        long start = System.nanoTime();
        GeneratedMessages.load(db.jdbi(), db.database().partitions(), ROWS, end);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "BENCHMARK loaded %d rows in %.0f s (%.0f rows/s, server-side INSERT ... SELECT), "
                + "%.1f GiB with indexes%n", ROWS, seconds, ROWS / seconds, GeneratedMessages.bytes(db.jdbi()) / (1024.0 * 1024 * 1024));
    }

    @Test
    void latencyOfTheMessageEndpoints() {
        String dayAgo = end.minus(Duration.ofDays(1)).toString();
        measure("latest 100 of one device", "/api/v1/messages?clientId=device-507&limit=100", RUNS);
        measure("latest 100 of one device, last day", "/api/v1/messages?clientId=device-507&from=" + dayAgo + "&limit=100", RUNS);
        measure("topic-filter page site/7/#", "/api/v1/messages?topic=site/7/%23&limit=100", RUNS);
        String cursor = get("/api/v1/messages?topic=site/7/%23&limit=100").get("nextCursor").asText();
        measure("page 2 of site/7/# via cursor", "/api/v1/messages?topic=site/7/%23&limit=100&cursor="
                + URLEncoder.encode(cursor, StandardCharsets.UTF_8), RUNS);
        measure("one topic site/7/device/507/temp", "/api/v1/messages?topic=site/7/device/507/temp&limit=100", RUNS);
        measure("site/+/device/507/temp", "/api/v1/messages?topic=site/%2B/device/507/temp&limit=100", RUNS);
        measure("site/+/device/507/temp, last day", "/api/v1/messages?topic=site/%2B/device/507/temp&from=" + dayAgo
                + "&limit=100", RUNS);
        measure("latest per topic under site/7/# (10 topics)", "/api/v1/messages/latest?topic=site/7/%23", RUNS);

        // The same data without the topic-level token index: the plan before V2__topic_level_tokens.
        db.jdbi().useHandle(h -> h.execute("DROP INDEX messages_topic_tokens_idx"));
        int slowRuns = Math.max(5, RUNS / 20);
        measure("site/+/device/507/temp, without token index", "/api/v1/messages?topic=site/%2B/device/507/temp&limit=100",
                slowRuns);
        measure("site/+/device/507/temp, last day, without token index", "/api/v1/messages?topic=site/%2B/device/507/temp&from="
                + dayAgo + "&limit=100", slowRuns);
    }

    private static void measure(String what, String pathAndQuery, int runs) {
        for (int i = 0; i < Math.min(10, runs); i++) {
            get(pathAndQuery);
        }
        long[] nanos = new long[runs];
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            JsonNode body = get(pathAndQuery);
            nanos[i] = System.nanoTime() - start;
            JsonNode items = body.isArray() ? body : body.get("items");
            assertThat(items.size()).as(what).isPositive();
        }
        Arrays.sort(nanos);
        System.out.printf(Locale.ROOT, "BENCHMARK api %-55s runs %4d  p50 %8.2f ms  p95 %8.2f ms  p99 %8.2f ms  max %8.2f ms%n",
                what, runs, percentile(nanos, 0.50), percentile(nanos, 0.95), percentile(nanos, 0.99), nanos[runs - 1] / 1e6);
    }

    /** Nearest rank: the smallest value with at least {@code p} of the runs at or below it. */
    private static double percentile(long[] sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, rank - 1)] / 1e6;
    }

    private static JsonNode get(String pathAndQuery) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + APP.getLocalPort() + pathAndQuery))
                .header("Authorization", TOKEN).GET().build();
        try {
            HttpResponse<byte[]> response = HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
            assertThat(response.statusCode()).as(pathAndQuery + ": " + new String(response.body(), StandardCharsets.UTF_8))
                    .isEqualTo(200);
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
