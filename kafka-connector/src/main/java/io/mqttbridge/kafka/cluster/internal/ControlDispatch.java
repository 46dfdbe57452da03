package io.mqttbridge.kafka.cluster.internal;

import io.mqttbridge.kafka.cluster.ClusterConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Hands each record of the control topics to the part that keeps that topic's state: routes to
 * {@link RouteTable}, heartbeats and marks to {@link NodeLiveness}, recovery claims to
 * {@link RecoveryClaims}, claims to {@link ClaimTable}. Runs on the control reader's thread.
 */
public final class ControlDispatch implements ControlReader.Handler {

    private final ClusterConfig config;
    private final RouteTable routes;
    private final NodeLiveness liveness;
    private final RecoveryClaims recoveryClaims;
    private final ClaimTable claims;
    private volatile boolean caughtUp;

    public ControlDispatch(ClusterConfig config, RouteTable routes, NodeLiveness liveness,
            RecoveryClaims recoveryClaims, ClaimTable claims) {
        this.config = config;
        this.routes = routes;
        this.liveness = liveness;
        this.recoveryClaims = recoveryClaims;
        this.claims = claims;
    }

    @Override
    public void record(ConsumerRecord<byte[], byte[]> record) {
        String topic = record.topic();
        if (topic.equals(config.routesTopic())) {
            routes.onRecord(record, caughtUp);
        } else if (topic.equals(config.nodesTopic())) {
            if (!recoveryClaims.onRecord(record)) {
                liveness.onRecord(record);
            }
        } else if (topic.equals(config.claimsTopic())) {
            claims.onRecord(record, caughtUp);
        }
    }

    @Override
    public void caughtUp() {
        caughtUp = true;
        liveness.caughtUp();
    }
}
