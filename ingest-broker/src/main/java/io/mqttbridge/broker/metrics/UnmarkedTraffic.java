package io.mqttbridge.broker.metrics;

/**
 * One connection's message and byte counts not yet added to the shared {@link BrokerMetrics}. They
 * are added in one go per flush and per end of a read instead of per packet, because every
 * Dropwizard {@code Meter.mark} reads the clock and updates four {@code LongAdder}s, which event
 * loops then contend on (the largest single item in the profile of fan-in at QoS 0).
 *
 * <p>Confined to the connection's event loop.
 */
public final class UnmarkedTraffic {

    private long bytesOut;
    private int out0;
    private int out1;
    private int out2;
    private int in0;
    private int in1;
    private int in2;

    public void bytesOut(long bytes) {
        bytesOut += bytes;
    }

    public void messageOut(int qos) {
        switch (qos) {
            case 0 -> out0++;
            case 1 -> out1++;
            default -> out2++;
        }
    }

    public void messageIn(int qos) {
        switch (qos) {
            case 0 -> in0++;
            case 1 -> in1++;
            default -> in2++;
        }
    }

    /** Adds the outbound counts to {@code metrics} and starts counting from zero. */
    public void markOutbound(BrokerMetrics metrics) {
        if (bytesOut > 0) {
            metrics.bytesOut(bytesOut);
            bytesOut = 0;
        }
        if ((out0 | out1 | out2) != 0) {
            metrics.messagesOut(out0, out1, out2);
            out0 = 0;
            out1 = 0;
            out2 = 0;
        }
    }

    /** Adds the inbound message counts to {@code metrics} and starts counting from zero. */
    public void markInbound(BrokerMetrics metrics) {
        if ((in0 | in1 | in2) != 0) {
            metrics.messagesIn(in0, in1, in2);
            in0 = 0;
            in1 = 0;
            in2 = 0;
        }
    }
}
