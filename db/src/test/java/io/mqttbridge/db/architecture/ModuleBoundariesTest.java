package io.mqttbridge.db.architecture;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The database module implements the broker's SPI (device registry, stores) and reads the mirror's
 * Kafka records by their format: it uses no broker internals and no code of {@code kafka-connector}
 * or the application.
 */
class ModuleBoundariesTest {

    private static final JavaClasses DB = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.mqttbridge.db");

    @Test
    void databaseUsesOnlyTheBrokersSpi() {
        noClasses().should().dependOnClassesThat(DescribedPredicate.describe("broker classes outside its SPI",
                        c -> c.getPackageName().startsWith("io.mqttbridge.broker")
                                && !c.getPackageName().startsWith("io.mqttbridge.broker.spi")))
                .check(DB);
    }

    @Test
    void databaseKnowsNoConnectorOrApplication() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage(
                        "io.mqttbridge.kafka..", "io.mqttbridge.api..", "io.netty..")
                .check(DB);
    }
}
