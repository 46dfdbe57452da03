package io.mqttbridge.api;

import io.dropwizard.configuration.EnvironmentVariableSubstitutor;
import io.dropwizard.configuration.SubstitutingSourceProvider;
import io.dropwizard.core.Application;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.mqttbridge.api.health.HealthResource;

/**
 * The runnable bridge: wires the broker, the Kafka mirror, the history writer and the REST API as
 * Dropwizard managed components, in one place, with plain constructors.
 */
public class BridgeApplication extends Application<BridgeConfiguration> {

    public static void main(String[] args) throws Exception {
        new BridgeApplication().run(args);
    }

    @Override
    public String getName() {
        return "mqtt-kafka-bridge";
    }

    @Override
    public void initialize(Bootstrap<BridgeConfiguration> bootstrap) {
        // ${VAR} and ${VAR:-default} in the YAML file; an undefined variable without default fails startup.
        bootstrap.setConfigurationSourceProvider(new SubstitutingSourceProvider(
                bootstrap.getConfigurationSourceProvider(), new EnvironmentVariableSubstitutor(true)));
    }

    @Override
    public void run(BridgeConfiguration config, Environment environment) {
        environment.jersey().register(new HealthResource(environment.healthChecks()));
    }
}
