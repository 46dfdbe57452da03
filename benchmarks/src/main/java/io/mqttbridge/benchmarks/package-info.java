/**
 * Benchmarks of the hot paths (JMH: topic matching, publish encoding, the session queue) and
 * {@link io.mqttbridge.benchmarks.StandaloneBroker}, the sink-less broker for side-by-side runs
 * against other brokers. Results and how to run them: docs/BENCHMARKS.md.
 */
package io.mqttbridge.benchmarks;
