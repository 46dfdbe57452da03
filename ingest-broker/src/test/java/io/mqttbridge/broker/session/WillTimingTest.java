package io.mqttbridge.broker.session;

import org.junit.jupiter.api.Test;

import static io.mqttbridge.broker.session.WillTiming.delayForAttachedConnection;
import static io.mqttbridge.broker.session.WillTiming.publishesForReplacedConnection;
import static org.assertj.core.api.Assertions.assertThat;

class WillTimingTest {

    @Test
    void aConnectionTakenOverByANewerOneOfTheSameSessionKeepsADelayedWillBack() {
        assertThat(publishesForReplacedConnection(false, false, 60, 5)).isFalse();
    }

    @Test
    void aConnectionTakenOverWithoutWillDelayPublishesItsWill() {
        assertThat(publishesForReplacedConnection(false, false, 60, 0)).isTrue();
    }

    @Test
    void aConnectionWhoseSessionEndedPublishesItsDelayedWillAtOnce() {
        assertThat(publishesForReplacedConnection(true, false, 60, 5)).isTrue();
    }

    @Test
    void aConnectionWhoseSessionMovedToAnotherNodeAndContinuesThereKeepsADelayedWillBack() {
        assertThat(publishesForReplacedConnection(true, true, 60, 5)).isFalse();
    }

    @Test
    void aConnectionWhoseCleanSessionMovedToAnotherNodePublishesItsWill() {
        assertThat(publishesForReplacedConnection(true, true, 0, 5)).isTrue();
    }

    @Test
    void theAttachedConnectionOfASessionThatEndsWithItPublishesAtOnce() {
        assertThat(delayForAttachedConnection(30, 0)).isZero();
    }

    @Test
    void theAttachedConnectionWaitsTheWillDelayButNeverPastTheSessionExpiry() {
        assertThat(delayForAttachedConnection(30, 100)).isEqualTo(30);
        assertThat(delayForAttachedConnection(30, 10)).isEqualTo(10);
        assertThat(delayForAttachedConnection(0, 10)).isZero();
    }
}
