package io.mqttbridge.broker.session;

import io.mqttbridge.broker.spi.SessionSnapshot.StoredSubscription;
import io.mqttbridge.broker.spi.TopicFilters;

/** Parsing of subscription filters, including shared ones ({@code $share/{group}/{filter}}). */
public final class Subscriptions {

    /** A filter split into its share group (or {@code null}) and the filter matched against topics. */
    public record ParsedFilter(String shareGroup, String filter) {
    }

    private Subscriptions() {
    }

    /**
     * @return the parsed filter
     * @throws IllegalArgumentException saying what is wrong with {@code topicFilter}
     */
    public static ParsedFilter parse(String topicFilter) {
        String shareGroup = null;
        String filter = topicFilter;
        if (topicFilter.startsWith(Subscription.SHARE_PREFIX)) {
            int slash = topicFilter.indexOf('/', Subscription.SHARE_PREFIX.length());
            if (slash < 0) {
                throw new IllegalArgumentException("a shared subscription needs $share/{group}/{filter}");
            }
            shareGroup = topicFilter.substring(Subscription.SHARE_PREFIX.length(), slash);
            filter = topicFilter.substring(slash + 1);
            if (shareGroup.isEmpty() || shareGroup.indexOf('+') >= 0 || shareGroup.indexOf('#') >= 0) {
                throw new IllegalArgumentException("invalid share name '" + shareGroup + "'");
            }
        }
        String problem = TopicFilters.validateFilter(filter);
        if (problem != null) {
            throw new IllegalArgumentException("invalid topic filter '" + topicFilter + "': " + problem);
        }
        return new ParsedFilter(shareGroup, filter);
    }

    static Subscription fromStored(Session session, StoredSubscription stored) {
        ParsedFilter parsed = parse(stored.topicFilter());
        return new Subscription(session, stored.topicFilter(), parsed.filter(), parsed.shareGroup(), stored.qos(),
                stored.noLocal(), stored.retainAsPublished(), stored.retainHandling(),
                stored.subscriptionIdentifier() == null ? 0 : stored.subscriptionIdentifier());
    }
}
