package io.mqttbridge.db.testing;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** Kafka records in the format kafka-connector writes (docs/ARCHITECTURE.md), for the tests. */
public final class MirroredRecords {

    private MirroredRecords() {
    }

    public static ProducerRecord<byte[], byte[]> message(String kafkaTopic, String mqttTopic, String clientId, int qos,
                                                  boolean retain, byte[] payload, Instant receivedAt) {
        RecordHeaders headers = new RecordHeaders();
        headers.add("mqtt.topic", utf8(mqttTopic));
        headers.add("mqtt.qos", utf8(String.valueOf(qos)));
        headers.add("mqtt.retain", utf8(String.valueOf(retain)));
        headers.add("mqtt.client_id", utf8(clientId));
        headers.add("mqtt.username", utf8(clientId));
        headers.add("mqtt.protocol_version", utf8("5"));
        headers.add("mqtt.node", utf8("node-a"));
        return new ProducerRecord<>(kafkaTopic, null, receivedAt.toEpochMilli(), utf8(clientId), payload, headers);
    }

    public static ProducerRecord<byte[], byte[]> sessionEvent(String topic, String clientId, String json) {
        return new ProducerRecord<>(topic, utf8(clientId), utf8(json));
    }

    public static String connected(String node, UUID connectionId, String clientId, String deviceId, Instant at) {
        return "{\"type\":\"connected\",\"node\":\"" + node + "\",\"timestamp\":\"" + at + "\",\"connectionId\":\""
                + connectionId + "\",\"clientId\":\"" + clientId + "\",\"username\":\"" + deviceId
                + "\",\"deviceId\":\"" + deviceId + "\",\"remoteAddress\":\"127.0.0.1:50000\",\"protocolVersion\":5,"
                + "\"cleanStart\":true,\"keepAlive\":60,\"sessionExpiry\":0,\"connectedAt\":\"" + at + "\"}";
    }

    public static String disconnected(String node, UUID connectionId, String clientId, Instant at, String reason) {
        return "{\"type\":\"disconnected\",\"node\":\"" + node + "\",\"timestamp\":\"" + at + "\",\"connectionId\":\""
                + connectionId + "\",\"clientId\":\"" + clientId + "\",\"disconnectedAt\":\"" + at
                + "\",\"reason\":\"" + reason + "\",\"reasonCode\":null,\"willPublished\":false}";
    }

    public static String subscribed(String node, UUID connectionId, String clientId, Instant at, String filter) {
        return "{\"type\":\"subscribed\",\"node\":\"" + node + "\",\"timestamp\":\"" + at + "\",\"connectionId\":\""
                + connectionId + "\",\"clientId\":\"" + clientId + "\",\"topicFilters\":[\"" + filter
                + "\"],\"grantedQos\":[1]}";
    }

    public static String heartbeat(String node, Instant at) {
        return "{\"type\":\"heartbeat\",\"node\":\"" + node + "\",\"timestamp\":\"" + at + "\",\"connectionId\":null,"
                + "\"clientId\":null}";
    }

    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
