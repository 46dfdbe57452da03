package io.mqttbridge.broker.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

/**
 * The broker core depends on Netty, Dropwizard Metrics' core and SLF4J only (and the JDK): whatever
 * else it needs comes in through its SPI, implemented in other modules (authentication methods with
 * their own libraries in {@code broker-auth}, Kafka in {@code kafka-connector}, SQL in {@code db}).
 */
class ModuleBoundariesTest {

    private static final JavaClasses BROKER = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.mqttbridge.broker");

    @Test
    void brokerCoreDependsOnNettyMetricsAndSlf4jOnly() {
        classes().should().onlyDependOnClassesThat().resideInAnyPackage(
                        // javax.crypto: the JDK's PBKDF2 and HMAC for spi.ScramVerifier, no library.
                        // jdk.net: the JDK's TCP keepalive options (netty.TcpKeepAlive without epoll).
                        "io.mqttbridge.broker..", "java..", "javax.net..", "javax.security..", "javax.crypto..",
                        "jdk.net..",
                        // com.sun.management: the open and maximum file descriptors (limits.FileDescriptorBudget).
                        "com.sun.management..",
                        "io.netty..", "com.codahale.metrics..", "org.slf4j..")
                .because("the broker core stays Netty-only; see docs/ARCHITECTURE.md, Modules and dependency rules")
                .check(BROKER);
    }
}
