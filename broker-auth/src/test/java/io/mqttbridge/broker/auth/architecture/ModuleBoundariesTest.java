package io.mqttbridge.broker.auth.architecture;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The authentication methods implement the broker's SPI and reach nothing else of ours. */
class ModuleBoundariesTest {

    private static final JavaClasses AUTH = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.mqttbridge.broker.auth");

    @Test
    void authenticationMethodsUseOnlyTheBrokersSpi() {
        noClasses().should().dependOnClassesThat(
                        DescribedPredicate.describe("broker classes outside its SPI",
                                c -> c.getPackageName().startsWith("io.mqttbridge.broker")
                                        && !c.getPackageName().startsWith("io.mqttbridge.broker.spi")
                                        && !c.getPackageName().startsWith("io.mqttbridge.broker.auth")))
                .check(AUTH);
    }

    @Test
    void authenticationMethodsKnowNoKafkaDatabaseOrApi() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage(
                        "io.mqttbridge.kafka..", "io.mqttbridge.db..", "io.mqttbridge.api..",
                        "org.apache.kafka..", "java.sql..", "org.jdbi..")
                .check(AUTH);
    }
}
