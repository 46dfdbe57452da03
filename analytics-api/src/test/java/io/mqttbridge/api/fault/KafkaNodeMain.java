package io.mqttbridge.api.fault;

import io.mqttbridge.kafka.embedded.EmbeddedKafka;
import io.mqttbridge.kafka.embedded.EmbeddedKafkaConfig;

/** Kafka in a JVM of its own for the fault suite: {@code <port> <data directory>}; prints READY. */
public final class KafkaNodeMain {

    private KafkaNodeMain() {
    }

    public static void main(String[] args) throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.start(new EmbeddedKafkaConfig().setHost("127.0.0.1")
                .setPort(Integer.parseInt(args[0])).setDataDirectory(args[1]));
        System.out.println("KAFKA READY " + kafka.bootstrapServers());
        System.out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(kafka::close));
        Thread.sleep(Long.MAX_VALUE);
    }
}
