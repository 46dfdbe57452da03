package io.mqttbridge.api.health;

import com.codahale.metrics.health.HealthCheck;
import io.dropwizard.lifecycle.Managed;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Kafka answers a cluster description within a few seconds. Owns one admin client. */
public class KafkaHealthCheck extends HealthCheck implements Managed {

    private static final int TIMEOUT_MS = 3_000;

    private final Admin admin;

    public KafkaHealthCheck(String bootstrapServers) {
        this.admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.CLIENT_ID_CONFIG, "mqtt-bridge-health",
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, TIMEOUT_MS,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, TIMEOUT_MS));
    }

    @Override
    protected Result check() throws Exception {
        int brokers = admin.describeCluster(new DescribeClusterOptions().timeoutMs(TIMEOUT_MS))
                .nodes().get(TIMEOUT_MS, TimeUnit.MILLISECONDS).size();
        return brokers > 0 ? Result.healthy("%d broker(s)", brokers) : Result.unhealthy("no Kafka brokers");
    }

    @Override
    public void stop() {
        admin.close();
    }
}
