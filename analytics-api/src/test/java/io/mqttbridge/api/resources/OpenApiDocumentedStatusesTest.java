package io.mqttbridge.api.resources;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.health.HealthCheck;
import com.codahale.metrics.health.HealthCheckRegistry;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.dropwizard.testing.junit5.ResourceExtension;
import io.mqttbridge.api.console.ConsoleResource;
import io.mqttbridge.api.errors.RequestBodyLimit;
import io.mqttbridge.api.health.HealthResource;
import io.mqttbridge.broker.MqttBroker;
import io.mqttbridge.broker.config.BrokerConfig;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static io.mqttbridge.api.resources.ResourceTestSupport.ADMIN;
import static io.mqttbridge.api.resources.ResourceTestSupport.READER;
import static io.mqttbridge.api.resources.ResourceTestSupport.as;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real calls, with the application's filters and mappers, answer only statuses the OpenAPI document gives
 * for their operation: resources that need no database (without a broker where that is what they answer
 * for), a publish to a real broker, and a request body limit as the application installs it.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class OpenApiDocumentedStatusesTest {

    private static final int MAX_BODY_BYTES = 8 * 1024;
    private static final int MAX_PACKET_SIZE = 2048;

    static final MqttBroker broker = startBroker();

    static final ResourceExtension api = ResourceTestSupport.resources()
            .addProvider(new RequestBodyLimit(MAX_BODY_BYTES))
            .addResource(OpenApiDocumentResource.describing(ApiResources.DOCUMENTED))
            .addResource(new StatsResource(new MetricRegistry()))
            .addResource(new PublishResource(broker))
            .addResource(new LiveResource(null))
            // No repository: a connection id that is not a UUID is refused before one is needed.
            .addResource(new SessionResource(null))
            .addResource(new ConsoleResource(null, null))
            .addResource(new HealthResource(unhealthy()))
            .build();

    private final OpenApiTestDocument document = OpenApiTestDocument.served(api);

    private static MqttBroker startBroker() {
        BrokerConfig config = new BrokerConfig();
        config.setHost("127.0.0.1");
        config.setPort(0);
        config.setMaxPacketSize(MAX_PACKET_SIZE);
        MqttBroker started = new MqttBroker(config);
        started.start();
        return started;
    }

    private static HealthCheckRegistry unhealthy() {
        HealthCheckRegistry checks = new HealthCheckRegistry();
        checks.register("down", new HealthCheck() {
            @Override
            protected Result check() {
                return Result.unhealthy("down for the test");
            }
        });
        return checks;
    }

    @AfterAll
    static void stop() {
        broker.stop();
    }

    @Test
    void everyStatusOfARepresentativeCallIsDocumentedForItsOperation() {
        String stats = "/api/v1/stats";
        answers(200, "GET " + stats, as(api, READER, stats).get());
        answers(401, "GET " + stats, as(api, null, stats).get());
        answers(400, "GET " + stats, as(api, READER, stats + "?verbose=true").get());
        answers(406, "GET " + stats, as(api, READER, stats).accept(MediaType.TEXT_HTML).get());

        String publish = "/api/v1/publish";
        answers(403, "POST " + publish, as(api, READER, publish).post(json("{\"topic\": \"a/b\"}")));
        answers(200, "POST " + publish, as(api, ADMIN, publish).post(json("{\"topic\": \"a/b\", \"payload\": \"x\"}")));
        answers(400, "POST " + publish, as(api, ADMIN, publish).post(json("{\"topic\": \"a/+\"}")));
        answers(415, "POST " + publish, as(api, ADMIN, publish).post(Entity.text("{\"topic\": \"a/b\"}")));
        answers(413, "POST " + publish, as(api, ADMIN, publish).post(json(payloadOf(MAX_PACKET_SIZE))));
        answers(413, "POST " + publish, as(api, ADMIN, publish).post(json(payloadOf(MAX_BODY_BYTES))));

        String client = "/api/v1/live/clients/c1";
        answers(503, "GET /api/v1/live/clients/{clientId}", as(api, READER, client).get());
        answers(403, "DELETE /api/v1/live/clients/{clientId}", as(api, READER, client).delete());
        answers(400, "GET /api/v1/sessions/{connectionId}", as(api, READER, "/api/v1/sessions/not-a-uuid").get());
        answers(200, "GET /api/v1/console/me", as(api, READER, "/api/v1/console/me").get());
        String liveToken = "/api/v1/console/live-token";
        answers(503, "POST " + liveToken, as(api, READER, liveToken).post(json("{\"topicFilter\": \"a/#\"}")));
        answers(400, "POST " + liveToken, as(api, READER, liveToken).post(json("{\"topicFilter\": \"a/#/b\"}")));
        answers(503, "GET /api/v1/health", as(api, null, "/api/v1/health").get());
    }

    private static String payloadOf(int length) {
        return "{\"topic\": \"a/b\", \"payload\": \"" + "x".repeat(length) + "\"}";
    }

    private static Entity<String> json(String body) {
        return Entity.json(body);
    }

    /** Asserts the call's status, and that the document gives it for the operation. */
    private void answers(int expected, String operation, Response response) {
        try (response) {
            assertThat(response.getStatus()).as(operation).isEqualTo(expected);
        }
        assertThat(document.responses(operation)).as(operation + " answering " + expected)
                .containsKey(String.valueOf(expected));
    }
}
