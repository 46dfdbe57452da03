package io.mqttbridge.benchmarks;

import io.mqttbridge.broker.MqttBroker;
import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.broker.netty.LeakDetection;

import java.util.concurrent.CountDownLatch;

/**
 * Our MQTT broker alone, for the side-by-side comparison with Mosquitto: anonymous access, in-memory
 * session and retained stores, no sink ({@code PublishSink.NONE}, so nothing leaves the process),
 * listening on a loopback address only. Prints its process id and runs until killed (SIGTERM stops
 * it cleanly).
 *
 * <p>Usage: {@code java -cp benchmarks/target/benchmarks.jar io.mqttbridge.bench.StandaloneBroker
 * [--port 1883] [--host 127.0.0.1] [--worker-threads 0] [--max-inflight 1000] [--max-queued 1000000]}.
 * The last two default to the limits the comparison script gives Mosquitto
 * ({@code max_inflight_messages}, {@code max_queued_messages}), so both brokers queue alike.
 */
public final class StandaloneBroker {

    private StandaloneBroker() {
    }

    public static void main(String[] args) throws InterruptedException {
        BrokerConfig config;
        try {
            config = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        LeakDetection.offUnlessConfigured();
        MqttBroker broker = new MqttBroker(config);
        broker.start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.stop();
            stopped.countDown();
        }, "standalone-broker-stop"));
        System.out.println("standalone broker pid " + ProcessHandle.current().pid() + " listening on "
                + config.getHost() + ":" + broker.port());
        System.out.flush();
        stopped.await();
    }

    static BrokerConfig parse(String[] args) {
        BrokerConfig config = new BrokerConfig();
        config.setHost("127.0.0.1");
        config.setPort(BrokerConfig.DEFAULT_PORT);
        config.setMaxInflightOutbound(1000);
        config.setMaxQueuedMessagesPerSession(1_000_000);
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option " + option + " needs a value");
            }
            String value = args[++i];
            switch (option) {
                case "--port" -> config.setPort(number(option, value));
                case "--host" -> config.setHost(loopback(value));
                case "--worker-threads" -> config.setWorkerThreads(number(option, value));
                case "--max-inflight" -> config.setMaxInflightOutbound(number(option, value));
                case "--max-queued" -> config.setMaxQueuedMessagesPerSession(number(option, value));
                default -> throw new IllegalArgumentException("unknown option " + option
                        + " (known: --port, --host, --worker-threads, --max-inflight, --max-queued)");
            }
        }
        return config.validate();
    }

    private static int number(String option, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option " + option + " needs a whole number, was '" + value + "'");
        }
    }

    private static String loopback(String host) {
        if (!host.startsWith("127.") && !host.equals("localhost") && !host.equals("::1")) {
            throw new IllegalArgumentException("option --host must be a loopback address, was '" + host + "'");
        }
        return host;
    }
}
