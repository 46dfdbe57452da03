package io.mqttbridge.api.testing;

import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.mqttbridge.api.BridgeApplication;
import io.mqttbridge.api.BridgeConfiguration;
import io.mqttbridge.testing.postgres.TestPostgres;
import jakarta.ws.rs.client.Invocation;
import jakarta.ws.rs.core.HttpHeaders;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The whole application in the test's JVM, as an end-to-end test class runs it: a configuration file
 * from the test resources, a data directory and a database of its own on the shared test PostgreSQL,
 * both made when the application starts. Lives here and not in {@code test-support} because it needs
 * {@link BridgeApplication}. Not thread-safe: one test class uses one.
 *
 * <pre>{@code
 * private static final FreshBridgeApp BRIDGE = new FreshBridgeApp("e2e-config.yml", "bridge_e2e");
 * static final DropwizardAppExtension<BridgeConfiguration> APP = BRIDGE.extension();
 * @AfterAll static void dropDatabase() { BRIDGE.dropDatabase(); }
 * }</pre>
 */
public final class FreshBridgeApp {

    private final String configResource;
    private final String name;
    private Path dataDirectory;
    private String databaseName;
    private Consumer<Path> prepareDataDirectory = directory -> { };

    /**
     * @param configResource the configuration, a resource of the test class path
     * @param name the prefix of the database's and the data directory's names
     */
    public FreshBridgeApp(String configResource, String name) {
        this.configResource = configResource;
        this.name = name;
    }

    /**
     * A request to the running application's REST API with the bearer token of the ADMIN API user that
     * the end-to-end configurations declare ({@code e2e-admin-token}; its SHA-256 is in the YAML).
     */
    public static Invocation.Builder api(DropwizardAppExtension<?> app, String path) {
        return app.client().target("http://127.0.0.1:" + app.getLocalPort() + path).request()
                .header(HttpHeaders.AUTHORIZATION, "Bearer e2e-admin-token");
    }

    /** Runs {@code prepare} on the fresh, empty data directory before the application starts (e.g. to mount a file system there). */
    public FreshBridgeApp preparingDataDirectory(Consumer<Path> prepare) {
        this.prepareDataDirectory = prepare;
        return this;
    }

    /**
     * The application with the data directory and the database overridden, and {@code more} (settings
     * only known when it starts); register it in the test class.
     */
    public DropwizardAppExtension<BridgeConfiguration> extension(ConfigOverride... more) {
        List<ConfigOverride> overrides = new ArrayList<>(List.of(
                ConfigOverride.config("dataDirectory", this::createDataDirectory),
                ConfigOverride.config("database.jdbcUrl", this::createDatabase),
                ConfigOverride.config("database.user", () -> TestPostgres.shared().user()),
                ConfigOverride.config("database.password", () -> TestPostgres.shared().password())));
        overrides.addAll(List.of(more));
        return new DropwizardAppExtension<>(BridgeApplication.class, ResourceHelpers.resourceFilePath(configResource),
                overrides.toArray(ConfigOverride[]::new));
    }

    /** The data directory of the running application ({@code null} before it starts). */
    public Path dataDirectory() {
        return dataDirectory;
    }

    /** Drops the database, if the application got as far as making one. */
    public void dropDatabase() {
        if (databaseName != null) {
            TestPostgres.shared().dropDatabase(databaseName);
            databaseName = null;
        }
    }

    private String createDataDirectory() {
        try {
            dataDirectory = Files.createTempDirectory(name + "-");
            prepareDataDirectory.accept(dataDirectory);
            return dataDirectory.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String createDatabase() {
        databaseName = TestPostgres.shared().createDatabase(name);
        return TestPostgres.shared().jdbcUrl(databaseName);
    }
}
