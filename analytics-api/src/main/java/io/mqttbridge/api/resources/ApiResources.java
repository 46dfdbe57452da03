package io.mqttbridge.api.resources;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.cfg.MutableCoercionConfig;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.dropwizard.core.setup.Environment;
import io.mqttbridge.api.console.ConsoleResource;
import io.mqttbridge.api.errors.StorableTextModule;
import io.mqttbridge.api.health.HealthResource;
import io.mqttbridge.api.resources.internal.RuntimeDeviceChanges;
import io.mqttbridge.api.resources.prometheus.PrometheusServlet;
import io.mqttbridge.api.runtime.BridgeRuntime;
import io.mqttbridge.kafka.KafkaConnector;
import io.mqttbridge.db.Database;
import io.mqttbridge.db.RetainedMessageRepository;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Registers the REST API on what the runtime started: the resources under {@code /api/v1} on the
 * application port and the Prometheus exposition at {@code /prometheus} on the admin port.
 */
public final class ApiResources {

    /**
     * The resources the OpenAPI document describes: every resource of the API but the document itself,
     * including those {@code BridgeApplication} registers (health, console).
     */
    public static final List<Class<?>> DOCUMENTED = List.of(DeviceResource.class, SessionResource.class,
            MessageResource.class, TopicResource.class, RetainedResource.class, PublishResource.class,
            LiveResource.class, StatsResource.class, ConsoleResource.class, HealthResource.class);

    private ApiResources() {
    }

    /**
     * Times as ISO-8601 strings (not epoch numbers), which is what the API documents and accepts; and a
     * request body field the API does not know is refused, not ignored: a misspelt {@code aclRules} or
     * {@code password} would otherwise create a device without the rules or the password meant for it.
     * For the same reason a body is taken as written or refused, never guessed at: a field given twice,
     * or a value of another JSON type than the field's ({@code "enabled": 0}, {@code "qos": 1.7},
     * {@code "qos": "2"}, {@code "id": 123}), is a 400 naming the field.
     */
    public static ObjectMapper configureJson(ObjectMapper mapper) {
        mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        for (LogicalType scalar : List.of(LogicalType.Boolean, LogicalType.Integer, LogicalType.Float,
                LogicalType.Textual)) {
            MutableCoercionConfig coercions = mapper.coercionConfigFor(scalar);
            for (CoercionInputShape shape : List.of(CoercionInputShape.Boolean, CoercionInputShape.Integer,
                    CoercionInputShape.Float, CoercionInputShape.String)) {
                boolean wholeNumberForAFloat = scalar == LogicalType.Float && shape == CoercionInputShape.Integer;
                if (shape != nativeShapeOf(scalar) && !wholeNumberForAFloat) {
                    coercions.setCoercion(shape, CoercionAction.Fail);
                }
            }
        }
        return mapper.disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .registerModule(new StorableTextModule());
    }

    private static CoercionInputShape nativeShapeOf(LogicalType scalar) {
        return switch (scalar) {
            case Boolean -> CoercionInputShape.Boolean;
            case Integer -> CoercionInputShape.Integer;
            case Float -> CoercionInputShape.Float;
            default -> CoercionInputShape.String;
        };
    }

    public static void register(BridgeRuntime runtime, Environment environment) {
        var jersey = environment.jersey();
        runtime.database().ifPresent(database -> registerHistory(database, runtime, environment));
        jersey.register(new LiveResource(runtime.broker().orElse(null), runtime.nodeId(),
                runtime.kafka().flatMap(KafkaConnector::kafkaCluster).orElse(null)));
        jersey.register(new PublishResource(runtime.broker().orElse(null)));
        jersey.register(new StatsResource(environment.metrics()));
        jersey.register(OpenApiDocumentResource.describing(DOCUMENTED));
        environment.admin().addServlet("prometheus", new PrometheusServlet(environment.metrics()))
                .addMapping(PrometheusServlet.PATH);
    }

    private static void registerHistory(Database owner, BridgeRuntime runtime, Environment environment) {
        var jersey = environment.jersey();
        // The API's own pool: dashboards cannot take the connections of the broker's stores.
        Database database = owner.forApi();
        DeviceChanges changes = new RuntimeDeviceChanges(runtime.deviceRegistry().orElse(null),
                runtime.broker().orElse(null));
        jersey.register(new DeviceResource(database, changes));
        jersey.register(new SessionResource(database.sessions()));
        jersey.register(new MessageResource(database.messages()));
        jersey.register(new TopicResource(database.messages()));
        RetainedMessageRepository retained = database.retained();
        jersey.register(new RetainedResource(retained, runtime.broker()
                .<Consumer<String>>map(broker -> topic -> broker.clearRetained(topic).orTimeout(10, TimeUnit.SECONDS).join())
                .orElse(retained::delete)));
    }
}
