package io.mqttbridge.api.fault;

import io.mqttbridge.db.embedded.EmbeddedPostgresServer;
import java.nio.file.Path;

/** PostgreSQL for the fault suite, owned by a JVM of its own: {@code <port> <data directory>}; prints READY, the postmaster's pid and the password. */
public final class PostgresNodeMain {

    private PostgresNodeMain() {
    }

    public static void main(String[] args) throws Exception {
        EmbeddedPostgresServer server = new EmbeddedPostgresServer(Path.of(args[1]), Integer.parseInt(args[0])).start();
        System.out.println("POSTGRES READY " + server.postmasterPid().orElseThrow() + " " + server.password());
        System.out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop));
        Thread.sleep(Long.MAX_VALUE);
    }
}
