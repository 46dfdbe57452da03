package io.mqttbridge.kafka.mirror.internal;

import io.mqttbridge.kafka.mirror.MirrorRule;
import io.mqttbridge.kafka.mirror.ReservedTopics;
import java.util.ArrayList;
import java.util.List;

/** The configured rules in order; the first that matches a topic wins. Immutable, thread-safe. */
public final class MirrorRoutes {

    private final List<MirrorRoute> routes;

    private MirrorRoutes(List<MirrorRoute> routes) {
        this.routes = routes;
    }

    /** @throws IllegalArgumentException naming the first invalid rule by index and filter */
    public static MirrorRoutes compile(List<MirrorRule> rules) {
        return compile(rules, ReservedTopics.INTERNAL_ONLY);
    }

    /** @throws IllegalArgumentException naming the first invalid rule, or one whose fixed topic is reserved */
    public static MirrorRoutes compile(List<MirrorRule> rules, ReservedTopics reserved) {
        List<MirrorRoute> routes = new ArrayList<>();
        List<MirrorRule> given = rules == null ? List.of() : rules;
        for (int i = 0; i < given.size(); i++) {
            routes.add(MirrorRoute.compile(i, given.get(i), reserved));
        }
        return new MirrorRoutes(List.copyOf(routes));
    }

    /** @return the first route whose filter matches, or {@code null} */
    public MirrorRoute routeFor(String topic) {
        for (MirrorRoute route : routes) {
            if (route.matches(topic)) {
                return route;
            }
        }
        return null;
    }
}
