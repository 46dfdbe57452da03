package io.mqttbridge.broker.session;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.topic.TopicTree;
import io.netty.util.concurrent.ImmediateEventExecutor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SessionOwnersTest {

    private final SessionManager manager = new SessionManager(new TopicTree<>(), new InMemorySessionStore(),
            new BrokerMetrics(new MetricRegistry(), () -> 0, () -> 0), new BrokerConfig());
    private final SessionOwners owners = new SessionOwners();

    private Session session(String clientId) {
        return new Session(clientId, manager, ImmediateEventExecutor.INSTANCE);
    }

    @Test
    void claimingASessionAgainForItsOwnerCountsItOnce() {
        Session first = session("c1");
        owners.claim(first, "device-a");
        owners.claim(first, "device-a");
        owners.claim(session("c2"), "device-a");

        assertThat(first.owner()).isEqualTo("device-a");
        assertThat(owners.countOwnedBy("device-a")).isEqualTo(2);
        assertThat(owners.countOwnedBy("device-b")).isZero();
    }

    @Test
    void anAnonymousClaimLeavesTheOwnerAndTheCountAsTheyAre() {
        Session session = session("c1");
        owners.claim(session, "device-a");

        owners.claim(session, null);

        assertThat(session.owner()).isEqualTo("device-a");
        assertThat(owners.countOwnedBy("device-a")).isEqualTo(1);
    }

    @Test
    void releasingEverySessionOfAnOwnerCountsZeroAndAnExtraReleaseStaysAtZero() {
        Session first = session("c1");
        Session second = session("c2");
        owners.claim(first, "device-a");
        owners.claim(second, "device-a");

        owners.release(first);
        assertThat(owners.countOwnedBy("device-a")).isEqualTo(1);
        owners.release(second);
        owners.release(second);

        assertThat(owners.countOwnedBy("device-a")).isZero();
    }

    @Test
    void aRevivedSessionCountsForTheOwnerItKept() {
        Session session = session("c1");
        owners.claim(session, "device-a");
        owners.release(session);

        owners.revived(session);
        owners.revived(session("anonymous"));

        assertThat(owners.countOwnedBy("device-a")).isEqualTo(1);
    }
}
