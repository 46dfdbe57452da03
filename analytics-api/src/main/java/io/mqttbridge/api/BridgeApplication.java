package io.mqttbridge.api;

import io.dropwizard.configuration.EnvironmentVariableSubstitutor;
import io.dropwizard.configuration.SubstitutingSourceProvider;
import io.dropwizard.core.Application;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.lifecycle.Managed;
import io.dropwizard.core.server.AbstractServerFactory;
import io.mqttbridge.api.auth.ApiSecurity;
import io.mqttbridge.api.config.AdminConnectors;
import io.mqttbridge.api.config.CommandLineOverrides;
import io.mqttbridge.api.config.EncodedIds;
import io.mqttbridge.api.config.ApiCors;
import io.mqttbridge.api.config.HttpConnectionLimits;
import io.mqttbridge.api.config.LogLevelTaskCheck;
import io.mqttbridge.api.config.QuietRequestLog;
import io.mqttbridge.api.config.SecurityHeaders;
import io.mqttbridge.api.console.ConsoleAssets;
import io.mqttbridge.api.console.ConsoleLiveAccess;
import io.mqttbridge.api.console.ConsoleResource;
import io.mqttbridge.api.errors.ProblemErrorHandler;
import io.mqttbridge.api.errors.ProblemMappers;
import io.mqttbridge.api.errors.RequestBodyLimit;
import io.mqttbridge.api.errors.RequestBodyReadFailures;
import io.mqttbridge.api.health.BrokerHealthCheck;
import io.mqttbridge.api.health.DatabaseHealthCheck;
import io.mqttbridge.api.health.DiskSpaceHealthCheck;
import io.mqttbridge.api.health.HealthResource;
import io.mqttbridge.api.health.HistoryWriterHealthCheck;
import io.mqttbridge.api.health.KafkaHealthCheck;
import io.mqttbridge.api.config.Role;
import io.mqttbridge.api.resources.ApiResources;
import io.mqttbridge.api.runtime.BridgeRuntime;
import io.mqttbridge.broker.netty.LeakDetection;

/**
 * The runnable bridge: wires the broker, the Kafka mirror, the history writer and the REST API as
 * Dropwizard managed components, in one place, with plain constructors.
 */
public class BridgeApplication extends Application<BridgeConfiguration> {

    public static void main(String[] args) throws Exception {
        LeakDetection.offUnlessConfigured();
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
        ApiResources.configureJson(bootstrap.getObjectMapper());
        bootstrap.setConfigurationFactoryFactory(new CommandLineOverrides<>());
    }

    @Override
    public void run(BridgeConfiguration config, Environment environment) {
        AdminConnectors.bindToLoopbackUnlessConfigured(config.getServerFactory());
        LogLevelTaskCheck.install(environment);
        installApiConventions(config, environment);
        environment.jersey().register(new HealthResource(environment.healthChecks()));

        BridgeRuntime runtime = new BridgeRuntime(config, environment.metrics());
        ConsoleLiveAccess console = config.getConsole().isEnabled() && config.runs(Role.BROKER)
                ? ConsoleLiveAccess.prepare(config.getConsole(), config.getBroker(), config.getDataDirectory()) : null;
        if (console != null) {
            console.authMethod().ifPresent(runtime::addMqttAuthMethod);
        }
        runtime.startRoles();
        environment.lifecycle().manage(runtime);
        registerHealthChecks(runtime, environment);
        ApiResources.register(runtime, environment);
        if (config.getConsole().isEnabled()) {
            registerConsole(console, runtime, environment);
        }
    }

    private static void registerConsole(ConsoleLiveAccess live, BridgeRuntime runtime, Environment environment) {
        ConsoleAssets.register(environment);
        if (live != null) {
            environment.lifecycle().manage(new Managed() {
                @Override
                public void stop() {
                    live.close();
                }
            });
        }
        environment.jersey().register(new ConsoleResource(live, runtime.broker().orElse(null)));
    }

    private static void registerHealthChecks(BridgeRuntime runtime, Environment environment) {
        runtime.database().ifPresent(db -> environment.healthChecks().register("postgresql", new DatabaseHealthCheck(db)));
        runtime.broker().ifPresent(broker -> environment.healthChecks().register("mqtt-broker", new BrokerHealthCheck(broker)));
        runtime.kafka().ifPresent(kafka -> {
            KafkaHealthCheck check = new KafkaHealthCheck(kafka.bootstrapServers());
            environment.lifecycle().manage(check);
            environment.healthChecks().register("kafka", check);
        });
        runtime.diskGuard().ifPresent(guard -> environment.healthChecks().register("disk-space",
                new DiskSpaceHealthCheck(guard)));
        runtime.historyWriter().ifPresent(writer -> environment.healthChecks().register("history-writer",
                new HistoryWriterHealthCheck(writer, environment.metrics(), writer.config().getMaxHealthyLag())));
    }

    /** Errors as problem+json and authentication on every resource that declares roles. */
    public static void installApiConventions(BridgeConfiguration config, Environment environment) {
        if (config.getServerFactory() instanceof AbstractServerFactory serverFactory) {
            serverFactory.setRegisterDefaultExceptionMappers(false);
        }
        ProblemMappers.register(environment.jersey());
        environment.jersey().register(new RequestBodyLimit(config.getApiMaxRequestBodyBytes()));
        environment.jersey().register(new RequestBodyReadFailures());
        HttpConnectionLimits.install(config.getApiMaxConnections(),
                config.getBroker().getLimits().getFileDescriptorReserve(), environment);
        environment.lifecycle().addServerLifecycleListener(server -> server.setErrorHandler(new ProblemErrorHandler()));
        QuietRequestLog.install(environment);
        EncodedIds.allowInApiIds(config.getServerFactory(), environment);
        SecurityHeaders.install(environment);
        ApiCors.install(config.getApiCors(), environment);
        ApiSecurity.install(config.getApiAuth(), config.getDataDirectory(), environment);
    }
}
