package io.mqttbridge.benchmarks;

import io.mqttbridge.broker.topic.TopicTree;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * Cost of matching one topic name against the broker's topic tree as the number of unrelated
 * subscriptions grows. Every configuration holds the same 6 subscriptions that match the measured
 * topic (exact, '+' and '#' ones) plus {@code unrelated} others, a mix of exact, single-level and
 * multi-level wildcard filters on other device ids, so the result set is identical across sizes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class TopicMatchingBenchmark {

    @Param({"1000", "10000", "100000"})
    public int unrelated;

    private TopicTree<String> tree;
    private final String topic = "fleet/region-7/device-4242/telemetry/temperature";

    @Setup
    public void fill() {
        tree = new TopicTree<>();
        for (int i = 0; i < unrelated; i++) {
            String device = "device-" + (1_000_000 + i);
            String filter = switch (i % 4) {
                case 0 -> "fleet/region-" + (i % 50) + "/" + device + "/telemetry/temperature";
                case 1 -> "fleet/+/" + device + "/telemetry/+";
                case 2 -> "fleet/region-" + (i % 50) + "/" + device + "/#";
                default -> "other/" + device + "/+/status";
            };
            tree.add(filter, null, "owner-" + i, filter);
        }
        tree.add(topic, null, "m1", "exact");
        tree.add("fleet/+/device-4242/telemetry/temperature", null, "m2", "plus");
        tree.add("fleet/region-7/device-4242/#", null, "m3", "hash");
        tree.add("fleet/#", null, "m4", "fleet");
        tree.add("+/+/+/telemetry/+", null, "m5", "pluses");
        tree.add("#", null, "m6", "all");
    }

    @Benchmark
    public void match(Blackhole blackhole) {
        tree.match(topic, new TopicTree.Visitor<>() {
            @Override
            public void subscription(String subscription) {
                blackhole.consume(subscription);
            }

            @Override
            public void sharedGroup(TopicTree.SharedGroup<String> group) {
                blackhole.consume(group);
            }
        });
    }
}
