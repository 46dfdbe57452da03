package io.mqttbridge.broker.spi;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The durable state of one MQTT session at a point in time.
 *
 * @param clientId the session's client identifier
 * @param sessionExpirySeconds the expiry interval in force ({@link ConnectionInfo#SESSION_NEVER_EXPIRES} for never)
 * @param disconnectedAt when the session went offline, or {@code null} while it is online
 * @param subscriptions the session's subscriptions
 * @param pending messages not yet completed for this session, oldest first: unacknowledged
 *     outbound QoS 1/2 messages and messages queued while offline
 */
public record SessionSnapshot(
        String clientId,
        long sessionExpirySeconds,
        Instant disconnectedAt,
        List<StoredSubscription> subscriptions,
        List<PendingMessage> pending) {

    public SessionSnapshot {
        Objects.requireNonNull(clientId, "clientId");
        subscriptions = subscriptions == null ? List.of() : List.copyOf(subscriptions);
        pending = pending == null ? List.of() : List.copyOf(pending);
    }

    /**
     * One subscription of a session.
     *
     * @param topicFilter the filter as the client sent it, shared ones with their {@code $share/group/} prefix
     * @param qos the granted QoS
     * @param retainHandling the MQTT 5 retain handling option, 0..2
     * @param subscriptionIdentifier the MQTT 5 subscription identifier, or {@code null}
     */
    public record StoredSubscription(
            String topicFilter,
            int qos,
            boolean noLocal,
            boolean retainAsPublished,
            int retainHandling,
            Integer subscriptionIdentifier) {

        public StoredSubscription {
            Objects.requireNonNull(topicFilter, "topicFilter");
        }
    }

    /**
     * A message owed to the session.
     *
     * @param message the application message
     * @param qos the QoS of the delivery to this session
     * @param packetId the packet identifier used when it was already sent, 0 if it was never sent
     * @param released whether PUBREC was received (QoS 2): only PUBREL remains to be resent
     * @param subscriptionIdentifiers the identifiers of the matching subscriptions (MQTT 5)
     */
    public record PendingMessage(
            PublishedMessage message,
            int qos,
            int packetId,
            boolean released,
            List<Integer> subscriptionIdentifiers) {

        public PendingMessage {
            Objects.requireNonNull(message, "message");
            subscriptionIdentifiers = subscriptionIdentifiers == null ? List.of() : List.copyOf(subscriptionIdentifiers);
        }
    }
}
