package io.mqttbridge.kafka.architecture;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The Kafka connector talks to the broker through its SPI only, and knows nothing of PostgreSQL or
 * the application: it meets {@code db} in the Kafka record format, not in code. One exception: the
 * cluster's route directory matches topics against every node's filters with the broker's own
 * {@code TopicTree}, so that both sides agree on MQTT wildcard and shared-group semantics; the tree is
 * a self-contained data structure with no broker state behind it.
 */
class ModuleBoundariesTest {

    private static final JavaClasses CONNECTOR = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.mqttbridge.kafka");

    @Test
    void connectorUsesOnlyTheBrokersSpi() {
        noClasses().should().dependOnClassesThat(DescribedPredicate.describe("broker classes outside its SPI",
                        c -> c.getPackageName().startsWith("io.mqttbridge.broker")
                                && !c.getPackageName().startsWith("io.mqttbridge.broker.spi")
                                && !c.getName().startsWith("io.mqttbridge.broker.topic.TopicTree")))
                .check(CONNECTOR);
    }

    @Test
    void connectorKnowsNoDatabaseOrApplication() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage(
                        "io.mqttbridge.db..", "io.mqttbridge.api..", "java.sql..", "org.jdbi..", "io.netty..")
                .check(CONNECTOR);
    }
}
