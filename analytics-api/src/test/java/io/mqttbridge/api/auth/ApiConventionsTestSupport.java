package io.mqttbridge.api.auth;


import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

final class ApiConventionsTestSupport {

    private ApiConventionsTestSupport() {
    }

    static String writeConfig(String readerTokenSha256, String adminPasswordHash) {
        return writeConfig(readerTokenSha256, adminPasswordHash, "");
    }

    /** @param moreYaml top-level sections to add, e.g. {@code apiCors: ...} */
    static String writeConfig(String readerTokenSha256, String adminPasswordHash, String moreYaml) {
        try {
            Path file = Files.createTempFile("api-conventions", ".yml");
            Files.writeString(file, """
                    server:
                      applicationConnectors: [{type: http, port: 0, bindHost: 127.0.0.1}]
                      adminConnectors: [{type: http, port: 0, bindHost: 127.0.0.1}]
                    logging:
                      level: WARN
                    apiAuth:
                      tokens:
                        - name: reader
                          tokenSha256: %s
                          role: READ_ONLY
                      users:
                        - username: admin
                          passwordHash: '%s'
                          role: ADMIN
                    """.formatted(readerTokenSha256, adminPasswordHash) + moreYaml);
            file.toFile().deleteOnExit();
            return file.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
