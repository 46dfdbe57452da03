package io.mqttbridge.broker.connection;

import java.util.HashMap;
import java.util.Map;

/**
 * The MQTT 5 topic aliases of one connection: those the client set up for its PUBLISHes (up to the
 * maximum the broker announced in CONNACK) and those the broker sets up for its own (up to the
 * client's maximum). Only MQTT 5 connections have one. Event loop only.
 */
final class TopicAliases {

    private final String[] inbound;
    private final int outboundMaximum;
    private Map<String, Integer> outbound;

    /**
     * @param inboundMaximum the Topic Alias Maximum the broker announces
     * @param outboundMaximum the client's Topic Alias Maximum (0: the broker uses none)
     */
    TopicAliases(int inboundMaximum, int outboundMaximum) {
        this.inbound = new String[inboundMaximum + 1];
        this.outboundMaximum = outboundMaximum;
    }

    int inboundMaximum() {
        return inbound.length - 1;
    }

    String inbound(int alias) {
        return inbound[alias];
    }

    void setInbound(int alias, String topic) {
        inbound[alias] = topic;
    }

    boolean usesOutbound() {
        return outboundMaximum > 0;
    }

    /** The alias already sent for {@code topic}, or {@code null}. */
    Integer outbound(String topic) {
        return outbound == null ? null : outbound.get(topic);
    }

    /** The alias a new mapping for a topic would get, or 0 when the client's maximum is reached. */
    int nextOutbound() {
        int used = outbound == null ? 0 : outbound.size();
        return used < outboundMaximum ? used + 1 : 0;
    }

    /** Only a mapping the client has actually been sent may be used alone later. */
    void outboundSent(String topic, int alias) {
        if (outbound == null) {
            outbound = new HashMap<>();
        }
        outbound.put(topic, alias);
    }
}
