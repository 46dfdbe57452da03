package io.mqttbridge.broker.session;

import io.mqttbridge.broker.spi.ConnectionInfo;
import io.mqttbridge.broker.spi.DeviceIdentity;
import io.mqttbridge.broker.spi.MqttVersion;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** What {@link IdentityChanges} applies again to a connection whose CONNECT overlapped a change. */
class IdentityChangesTest {

    private final IdentityChanges changes = new IdentityChanges();
    private final List<String> applied = new ArrayList<>();

    @BeforeEach
    void bind() {
        changes.bind(new IdentityChanges.Reapply() {
            @Override
            public void revoke(String identity) {
                applied.add("revoke " + identity);
            }

            @Override
            public void reauthorize(String identity) {
                applied.add("reauthorize " + identity);
            }

            @Override
            public void disconnectAt(ConnectionInfo info, Instant at) {
                applied.add("disconnect " + info.clientId() + " at " + at.toEpochMilli());
            }
        });
    }

    private static ConnectionInfo connectionOf(String device) {
        return new ConnectionInfo(UUID.randomUUID(), device + "-c", new DeviceIdentity(device, device, device + "-c",
                List.of()), null, MqttVersion.MQTT_5, true, 60, 0, Instant.now());
    }

    @Test
    void aConnectThatStartedBeforeARevocationIsRevokedOnceOpen() {
        long mark = changes.mark();
        changes.revoked("dev-1");

        changes.afterConnect(connectionOf("dev-1"), mark);

        assertThat(applied).containsExactly("revoke dev-1");
    }

    @Test
    void aConnectThatStartedAfterTheChangesIsLeftAlone() {
        changes.revoked("dev-1");
        changes.reauthorized("dev-1");
        changes.credentialsChanged("dev-1", Instant.ofEpochMilli(5_000));
        long mark = changes.mark();

        changes.afterConnect(connectionOf("dev-1"), mark);

        assertThat(applied).isEmpty();
    }

    @Test
    void newRulesAndCredentialsChangedMeanwhileAreBothApplied() {
        long mark = changes.mark();
        changes.credentialsChanged("dev-2", Instant.ofEpochMilli(9_000));
        changes.credentialsChanged("dev-2", Instant.ofEpochMilli(7_000));
        changes.reauthorized("dev-2");

        changes.afterConnect(connectionOf("dev-2"), mark);

        assertThat(applied).containsExactly("reauthorize dev-2", "disconnect dev-2-c at 9000");
    }

    @Test
    void anotherIdentitysChangeDoesNotTouchTheConnection() {
        long mark = changes.mark();
        changes.revoked("someone-else");

        changes.afterConnect(connectionOf("dev-3"), mark);

        assertThat(applied).isEmpty();
    }
}
