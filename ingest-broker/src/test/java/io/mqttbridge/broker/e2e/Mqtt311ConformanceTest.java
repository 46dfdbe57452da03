package io.mqttbridge.broker.e2e;

import io.mqttbridge.testing.mqtt.RawMqttClient;
import io.mqttbridge.testing.mqtt.RawMqttClient.Packet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.mqttbridge.broker.e2e.Wire.parsePublish;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The normative statements of MQTT 3.1.1 ([MQTT-x.x.x-y]) that interoperability suites exercise,
 * checked byte by byte. Protocol violations must close the connection without an answer (4.8).
 */
class Mqtt311ConformanceTest {

    private static final int PINGRESP = 13;

    @RegisterExtension
    final RawClientBroker broker = new RawClientBroker();

    private RawMqttClient open() throws IOException {
        return broker.open();
    }

    /** Connects as 3.1.1 and returns the CONNACK's session-present flag. */
    private static boolean connect(RawMqttClient client, String clientId, boolean clean) throws IOException {
        client.send(RawMqttClient.connect(4, clientId, clean, 60));
        Packet connAck = client.read();
        assertThat(connAck.type()).isEqualTo(Wire.CONNACK);
        assertThat(connAck.body()[1]).as("return code").isZero();
        return (connAck.body()[0] & 1) == 1;
    }

    private RawMqttClient connected(String clientId) throws IOException {
        RawMqttClient client = open();
        connect(client, clientId, true);
        return client;
    }

    private static void subscribe(RawMqttClient client, String filter, int qos) throws IOException {
        client.send(Wire.subscribe(0x82, 1, null, filter, qos));
        assertThat(Wire.reasonCodes(client.read(), false)).containsExactly(qos);
    }

    private static void assertClosedWithoutAnswer(RawMqttClient client) throws IOException {
        assertThat(client.readUntilClosed()).as("packets before the close").isEmpty();
    }

    private static byte[] connectWithFlags(int flags) {
        boolean will = (flags & 0x04) != 0;
        return Wire.connect(4, flags, 60, null, "flags", null, will ? "w" : null,
                will ? new byte[] {1} : null, (flags & 0x80) != 0 ? "user" : null,
                (flags & 0x40) != 0 ? new byte[] {2} : null);
    }

    @Test
    void connectWithTheReservedFlagSetIsClosed_3_1_2_3() throws IOException {
        RawMqttClient client = open();
        client.send(connectWithFlags(0x03));
        assertClosedWithoutAnswer(client);
    }

    @Test
    void willQosOrRetainWithoutTheWillFlagIsClosed_3_1_2_13_and_15() throws IOException {
        for (int flags : new int[] {0x02 | 0x08, 0x02 | 0x10, 0x02 | 0x20}) {
            RawMqttClient client = open();
            client.send(connectWithFlags(flags));
            assertClosedWithoutAnswer(client);
        }
    }

    @Test
    void willQos3IsClosed_3_1_2_14() throws IOException {
        RawMqttClient client = open();
        client.send(connectWithFlags(0x02 | 0x04 | 0x18));
        assertClosedWithoutAnswer(client);
    }

    @Test
    void passwordWithoutUserNameIsClosed_3_1_2_22() throws IOException {
        RawMqttClient client = open();
        client.send(connectWithFlags(0x02 | 0x40));
        List<Packet> packets = client.readUntilClosed();
        // A CONNACK refusing the connection is tolerated; an accepting one is not.
        assertThat(packets).allSatisfy(p -> {
            assertThat(p.type()).isEqualTo(Wire.CONNACK);
            assertThat(p.body()[1]).isNotZero();
        });
    }

    @Test
    void sessionPresentIsZeroForACleanSessionAndOneWhenAStoredSessionResumes_3_2_2_1_to_3() throws IOException {
        RawMqttClient first = open();
        assertThat(connect(first, "present", false)).as("no session existed").isFalse();
        subscribe(first, "present/t", 1);
        first.send(RawMqttClient.packet(0xE0, new byte[0]));
        first.readUntilClosed();
        RawMqttClient second = open();
        assertThat(connect(second, "present", false)).as("the stored session resumes").isTrue();
        second.send(RawMqttClient.packet(0xE0, new byte[0]));
        second.readUntilClosed();
        RawMqttClient third = open();
        assertThat(connect(third, "present", true)).as("clean session").isFalse();
    }

    @Test
    void publishWithBothQosBitsSetIsClosed_3_3_1_4() throws IOException {
        RawMqttClient client = connected("qos3");
        client.send(Wire.publish(0x36, "t", 1, null, "x".getBytes(StandardCharsets.UTF_8)));
        assertClosedWithoutAnswer(client);
    }

    @Test
    void qos1PublishWithPacketIdZeroIsClosed_2_3_1_1() throws IOException {
        RawMqttClient client = connected("pid0");
        client.send(Wire.publish(0x32, "t", 0, null, "x".getBytes(StandardCharsets.UTF_8)));
        assertClosedWithoutAnswer(client);
    }

    @Test
    void subscribeWithPacketIdZeroIsClosed_2_3_1_1() throws IOException {
        RawMqttClient client = connected("subPid0");
        client.send(Wire.subscribe(0x82, 0, null, "t", 0));
        assertClosedWithoutAnswer(client);
    }

    @Test
    void subscribeUnsubscribeAndPubrelWithWrongReservedFlagsAreClosed_3_8_1_1_and_3_10_1_1_and_3_6_1_1()
            throws IOException {
        RawMqttClient subscribe = connected("flagsSub");
        subscribe.send(Wire.subscribe(0x80, 1, null, "t", 0));
        assertClosedWithoutAnswer(subscribe);

        RawMqttClient unsubscribe = connected("flagsUnsub");
        unsubscribe.send(Wire.unsubscribe(0xA0, 1, false, "t"));
        assertClosedWithoutAnswer(unsubscribe);

        RawMqttClient pubrel = connected("flagsPubrel");
        pubrel.send(Wire.publish(false, 2, false, "t", 7, "x"));
        assertThat(pubrel.read().type()).isEqualTo(Wire.PUBREC);
        pubrel.send(Wire.ack(0x60, 7));
        assertClosedWithoutAnswer(pubrel);
    }

    @Test
    void subscribeRequestingQos3IsClosed_3_8_3_4() throws IOException {
        RawMqttClient client = connected("subQos3");
        client.send(Wire.subscribe(0x82, 1, null, "t", 3));
        assertClosedWithoutAnswer(client);
    }

    @Test
    void subscribeAndUnsubscribeWithoutTopicFiltersAreClosed_3_8_3_3_and_3_10_3_2() throws IOException {
        RawMqttClient subscribe = connected("noFilters");
        subscribe.send(Wire.subscribe(0x82, 1, null));
        assertClosedWithoutAnswer(subscribe);

        RawMqttClient unsubscribe = connected("noUnsubFilters");
        unsubscribe.send(Wire.unsubscribe(0xA2, 1, false));
        assertClosedWithoutAnswer(unsubscribe);
    }

    @Test
    void emptyTopicNameOrANullCharacterInTheTopicIsClosed_4_7_3_1_and_1_5_3_2() throws IOException {
        RawMqttClient empty = connected("emptyTopic");
        empty.send(Wire.publish(false, 0, false, "", 0, "x"));
        assertClosedWithoutAnswer(empty);

        RawMqttClient nul = connected("nulTopic");
        nul.send(Wire.publish(false, 0, false, "a\u0000b", 0, "x"));
        assertClosedWithoutAnswer(nul);
    }

    @Test
    void invalidTopicFilterIsRefusedWith0x80OrClosesTheConnection_4_7_1_2() throws IOException {
        RawMqttClient client = connected("badFilter");
        client.send(Wire.subscribe(0x82, 1, null, "a/#/b", 0));
        Packet packet = client.read();
        if (packet != null) {
            assertThat(Wire.reasonCodes(packet, false)).containsExactly(0x80);
        }
        RawMqttClient control = connected("badFilterControl");
        control.send(RawMqttClient.packet(0xC0, new byte[0]));
        assertThat(control.read().type()).as("others are not disturbed").isEqualTo(13);
    }

    @Test
    void dollarTopicsAreNotMatchedByWildcardsAtTheFirstLevel_4_7_2_1() throws IOException {
        RawMqttClient subscriber = connected("dollarSub");
        subscribe(subscriber, "#", 0);
        subscribe(subscriber, "+/x", 0);
        RawMqttClient dollarSubscriber = connected("dollarExplicit");
        subscribe(dollarSubscriber, "$test/#", 0);
        RawMqttClient publisher = connected("dollarPub");
        publisher.send(Wire.publish(false, 0, false, "$test/x", 0, "hidden"));
        assertThat(parsePublish(dollarSubscriber.read(), false).payload()).isEqualTo("hidden");
        publisher.send(Wire.publish(false, 0, false, "plain/x", 0, "seen"));
        // Messages on one connection arrive in order: the first one the wildcard subscriber sees is the later one.
        Wire.Publish first = parsePublish(subscriber.read(), false);
        assertThat(first.topic()).isEqualTo("plain/x");
    }

    @Test
    void retainedMessagesAreStoredReplacedDeliveredWithTheFlagAndClearedByAnEmptyPayload_3_3_1_5_to_12()
            throws IOException {
        RawMqttClient publisher = connected("retainPub");
        publisher.send(Wire.publish(false, 1, true, "retain/a", 1, "first"));
        assertThat(publisher.read().type()).isEqualTo(Wire.PUBACK);
        publisher.send(Wire.publish(false, 0, true, "retain/a", 0, "second"));
        publisher.send(Wire.publish(false, 0, false, "retain/a", 0, "not retained"));
        publisher.send(Wire.publish(false, 1, true, "retain/b", 2, "to clear"));
        assertThat(publisher.read().type()).isEqualTo(Wire.PUBACK);
        publisher.send(Wire.publish(false, 1, true, "retain/b", 3, ""));
        assertThat(publisher.read().type()).isEqualTo(Wire.PUBACK);

        RawMqttClient subscriber = connected("retainSub");
        subscribe(subscriber, "retain/#", 1);
        Wire.Publish retained = parsePublish(subscriber.read(), false);
        assertThat(retained.topic()).isEqualTo("retain/a");
        assertThat(retained.payload()).as("a QoS 0 retained message replaces the earlier one").isEqualTo("second");
        assertThat(retained.retain()).as("sent because of the subscription").isTrue();
        assertThat(subscriber.nothingReceived()).as("the cleared topic sends nothing").isTrue();

        publisher.send(Wire.publish(false, 1, true, "retain/a", 4, "live"));
        assertThat(publisher.read().type()).isEqualTo(Wire.PUBACK);
        Wire.Publish live = parsePublish(subscriber.read(), false);
        assertThat(live.payload()).isEqualTo("live");
        assertThat(live.retain()).as("sent to an established subscription").isFalse();

        RawMqttClient late = connected("retainLate");
        subscribe(late, "retain/+", 0);
        assertThat(parsePublish(late.read(), false).payload()).isEqualTo("live");
        late.send(RawMqttClient.packet(0xC0, new byte[0]));
        assertThat(late.read().type()).as("nothing for the cleared topic before PINGRESP").isEqualTo(13);
    }

    @Test
    void aRepeatedSubscriptionReplacesTheFirstAndResendsRetainedMessages_3_8_4_3() throws IOException {
        RawMqttClient publisher = connected("resubPub");
        publisher.send(Wire.publish(false, 1, true, "resub/t", 1, "kept"));
        assertThat(publisher.read().type()).isEqualTo(Wire.PUBACK);
        RawMqttClient subscriber = connected("resubSub");
        subscribe(subscriber, "resub/t", 2);
        assertThat(parsePublish(subscriber.read(), false).payload()).isEqualTo("kept");
        subscribe(subscriber, "resub/t", 0);
        Wire.Publish again = parsePublish(subscriber.read(), false);
        assertThat(again.payload()).isEqualTo("kept");
        assertThat(again.retain()).isTrue();
        publisher.send(Wire.publish(false, 2, false, "resub/t", 1, "live"));
        Wire.Publish live = parsePublish(subscriber.read(), false);
        assertThat(live.qos()).as("the replacing subscription's QoS").isZero();
        subscriber.send(RawMqttClient.packet(0xC0, new byte[0]));
        assertThat(subscriber.read().type()).as("one copy only").isEqualTo(13);
    }

    @Test
    void overlappingSubscriptionsDeliverAtTheMaximumQos_3_3_5_1() throws IOException {
        RawMqttClient subscriber = connected("overlap311");
        subscribe(subscriber, "over/#", 0);
        subscribe(subscriber, "over/t", 2);
        RawMqttClient publisher = connected("overlapPub311");
        publisher.send(Wire.publish(false, 2, false, "over/t", 1, "both"));
        List<Integer> qos = new ArrayList<>();
        qos.add(parsePublish(subscriber.read(), false).qos());
        subscriber.send(RawMqttClient.packet(0xC0, new byte[0]));
        Packet next;
        while ((next = subscriber.read()).type() != 13) {
            qos.add(parsePublish(next, false).qos());
        }
        assertThat(qos).hasSizeBetween(1, 2).contains(2);
    }

    @Test
    void unsubscribeOfAFilterNotSubscribedIsStillAcknowledged_3_10_4_5() throws IOException {
        RawMqttClient client = connected("unsubUnknown");
        client.send(Wire.unsubscribe(0xA2, 9, false, "never/subscribed"));
        Packet unsubAck = client.read();
        assertThat(unsubAck.type()).isEqualTo(Wire.UNSUBACK);
        assertThat(Wire.packetIdOf(unsubAck)).isEqualTo(9);
    }

    @Test
    void willIsPublishedWithItsQosAndRetainFlagWhenTheConnectionDropsWithoutDisconnect_3_1_2_8_and_3_1_2_17()
            throws IOException {
        RawMqttClient watcher = connected("willWatcher311");
        subscribe(watcher, "will311/#", 2);
        RawMqttClient leaving = open();
        leaving.send(Wire.connect(4, 0x02 | 0x04 | 0x10 | 0x20, 60, null, "leaving311", null, "will311/gone", "bye"
                .getBytes(StandardCharsets.UTF_8), null, null));
        assertThat(leaving.read().body()[1]).isZero();
        leaving.close();
        Wire.Publish will = parsePublish(watcher.read(), false);
        assertThat(will.payload()).isEqualTo("bye");
        assertThat(will.qos()).isEqualTo(2);
        RawMqttClient late = connected("willLate311");
        subscribe(late, "will311/#", 0);
        Wire.Publish retained = parsePublish(late.read(), false);
        assertThat(retained.payload()).as("the will was retained").isEqualTo("bye");
        assertThat(retained.retain()).isTrue();
    }

    @Test
    void aQos2DeliveryWhosePubrecWasSentIsContinuedWithPubrelAfterReconnect_4_4_0_1() throws IOException {
        RawMqttClient subscriber = open();
        connect(subscriber, "qos2Resume", false);
        subscribe(subscriber, "resume/t", 2);
        RawMqttClient publisher = connected("qos2ResumePub");
        publisher.send(Wire.publish(false, 2, false, "resume/t", 1, "m"));
        Wire.Publish delivered = parsePublish(subscriber.read(), false);
        subscriber.send(Wire.ack(0x50, delivered.packetId()));
        Packet pubrel = subscriber.read();
        assertThat(pubrel.type()).isEqualTo(Wire.PUBREL);
        subscriber.close();

        RawMqttClient again = open();
        assertThat(connect(again, "qos2Resume", false)).isTrue();
        Packet resent = again.read();
        assertThat(resent.type()).as("PUBREL, not the PUBLISH again").isEqualTo(Wire.PUBREL);
        assertThat(resent.firstByte() & 0x0F).isEqualTo(2);
        assertThat(Wire.packetIdOf(resent)).isEqualTo(delivered.packetId());
        again.send(Wire.ack(0x70, delivered.packetId()));
        again.send(RawMqttClient.packet(0xC0, new byte[0]));
        assertThat(again.read().type()).isEqualTo(13);
    }

    @Test
    void unacknowledgedQos1And2DeliveriesAreResentWithDupAfterReconnect_4_4_0_1_and_3_3_1_1() throws IOException {
        RawMqttClient subscriber = open();
        connect(subscriber, "dupResume", false);
        subscribe(subscriber, "dup/#", 2);
        RawMqttClient publisher = connected("dupResumePub");
        publisher.send(Wire.publish(false, 1, false, "dup/1", 1, "one"));
        publisher.send(Wire.publish(false, 2, false, "dup/2", 2, "two"));
        Wire.Publish first = parsePublish(subscriber.read(), false);
        Wire.Publish second = parsePublish(subscriber.read(), false);
        assertThat(first.dup()).isFalse();
        subscriber.close();

        RawMqttClient again = open();
        assertThat(connect(again, "dupResume", false)).isTrue();
        Wire.Publish firstAgain = parsePublish(again.read(), false);
        Wire.Publish secondAgain = parsePublish(again.read(), false);
        assertThat(List.of(firstAgain.payload(), secondAgain.payload())).containsExactly("one", "two");
        assertThat(firstAgain.dup()).isTrue();
        assertThat(secondAgain.dup()).isTrue();
        assertThat(firstAgain.packetId()).isEqualTo(first.packetId());
        assertThat(secondAgain.packetId()).isEqualTo(second.packetId());
    }

    @Test
    void reservedFlagsOfPingreqDisconnectAndPubackAreMalformed_2_2_2_2() throws IOException {
        RawMqttClient ping = connected("flagsPing");
        ping.send(RawMqttClient.packet(0xC2, new byte[0]));
        assertClosedWithoutAnswer(ping);

        RawMqttClient puback = connected("flagsPuback");
        puback.send(Wire.ack(0x42, 1));
        assertClosedWithoutAnswer(puback);

        RawMqttClient watcher = connected("flagsWatcher");
        subscribe(watcher, "flags/will", 0);
        RawMqttClient disconnect = open();
        disconnect.send(RawMqttClient.connect(4, "flagsDisconnect", true, 60, "flags/will", "malformed"));
        assertThat(disconnect.read().type()).isEqualTo(Wire.CONNACK);
        disconnect.send(RawMqttClient.packet(0xE1, new byte[0]));
        assertClosedWithoutAnswer(disconnect);
        assertThat(parsePublish(watcher.read(), false).payload())
                .as("a malformed DISCONNECT is no normal disconnect: the will is published").isEqualTo("malformed");
    }

    @Test
    void aConnectWithAnotherProtocolNameIsClosed_3_1_2_1() throws IOException {
        RawMqttClient client = open();
        byte[] connect = RawMqttClient.connect(4, "name", true, 60);
        connect[5] = 'X';
        client.send(connect);
        // Closed, possibly after a CONNACK refusing the protocol (0x01).
        assertThat(client.readUntilClosed()).allSatisfy(p -> {
            assertThat(p.type()).isEqualTo(Wire.CONNACK);
            assertThat(p.body()[1]).isNotZero();
        });
    }

    @Test
    void invalidUtf8InATopicNameIsClosed_1_5_3_1() throws IOException {
        RawMqttClient overlong = connected("utf8Overlong");
        overlong.send(RawMqttClient.packet(0x30, new byte[] {0, 2, (byte) 0xC0, (byte) 0xAF, 'x'}));
        assertClosedWithoutAnswer(overlong);

        RawMqttClient surrogate = connected("utf8Surrogate");
        surrogate.send(RawMqttClient.packet(0x30, new byte[] {0, 3, (byte) 0xED, (byte) 0xA0, (byte) 0x80, 'x'}));
        assertClosedWithoutAnswer(surrogate);
    }

    @Test
    void subscriptionOptionBitsAboveTheQosAreMalformed_3_8_3_4() throws IOException {
        RawMqttClient client = connected("subReserved");
        client.send(Wire.subscribe(0x82, 1, null, "t", 0x04));
        assertClosedWithoutAnswer(client);
    }

    @Test
    void aPubrelForAnUnknownPacketIdIsStillAnsweredWithPubcomp_section_4_3_3() throws IOException {
        RawMqttClient client = connected("unknownPubrel311");
        client.send(Wire.ack(0x62, 42));
        Packet pubcomp = client.read();
        assertThat(pubcomp.type()).isEqualTo(Wire.PUBCOMP);
        assertThat(Wire.packetIdOf(pubcomp)).isEqualTo(42);
        assertThat(pubcomp.body()).hasSize(2);
    }

    @Test
    void aSecondConnectionWithTheSameClientIdClosesTheFirst_3_1_4_2() throws IOException {
        RawMqttClient first = connected("takeover311");
        connected("takeover311");
        assertClosedWithoutAnswer(first);
    }

    /**
     * Two CONNECTs at once that resume one session: one connection stays [MQTT-3.1.4-2]. In one round in
     * four to eight, both used to find no connection to take over, and both stayed connected.
     */
    @Test
    void twoConnectsAtOnceResumingOneSessionLeaveOneConnection_3_1_4_2() throws Exception {
        RawMqttClient creator = open();
        connect(creator, "race311", false);
        creator.send(RawMqttClient.packet(0xE0, new byte[0]));
        assertClosedWithoutAnswer(creator);
        ExecutorService senders = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 100; round++) {
                List<RawMqttClient> both = List.of(open(), open());
                CyclicBarrier together = new CyclicBarrier(2);
                List<Future<?>> sent = new ArrayList<>();
                for (RawMqttClient client : both) {
                    sent.add(senders.submit(() -> {
                        together.await();
                        client.send(RawMqttClient.connect(4, "race311", false, 60));
                        return null;
                    }));
                }
                for (Future<?> send : sent) {
                    send.get(10, TimeUnit.SECONDS);
                }
                // Both CONNACKs (or closes) first: by then both attaches are done.
                List<Boolean> acknowledged = new ArrayList<>();
                for (RawMqttClient client : both) {
                    acknowledged.add(readConnAckOrClose(client));
                }
                int answering = 0;
                for (int i = 0; i < both.size(); i++) {
                    if (acknowledged.get(i) && answersPing(both.get(i))) {
                        answering++;
                    }
                }
                assertThat(answering).as("connections still open after round %d", round).isEqualTo(1);
                for (RawMqttClient client : both) {
                    client.close();
                }
            }
        } finally {
            senders.shutdownNow();
        }
    }

    /** Whether the connection's first packet was a CONNACK (else the server closed it first). */
    private static boolean readConnAckOrClose(RawMqttClient client) throws IOException {
        Packet first = client.read();
        if (first != null) {
            assertThat(first.type()).isEqualTo(Wire.CONNACK);
        }
        return first != null;
    }

    private static boolean answersPing(RawMqttClient client) throws IOException {
        client.send(RawMqttClient.packet(0xC0, new byte[0]));
        Packet answer = client.read();
        return answer != null && answer.type() == PINGRESP;
    }

    @Test
    void aSilentClientIsClosedAfterOneAndAHalfTimesItsKeepAliveAndNotBefore_3_1_2_24() throws IOException {
        RawMqttClient client = open();
        client.send(RawMqttClient.connect(4, "silent311", true, 2));
        assertThat(client.read().type()).isEqualTo(Wire.CONNACK);
        long connectedAt = System.nanoTime();
        assertClosedWithoutAnswer(client);
        long silentMillis = (System.nanoTime() - connectedAt) / 1_000_000;
        // The close must not come before 1.5 x 2 s (a little scheduling slack allowed).
        assertThat(silentMillis).isGreaterThanOrEqualTo(2_900);
    }

    @Test
    void aWillTopicWithWildcardsIsNotAccepted_3_1_3_10() throws IOException {
        RawMqttClient client = open();
        client.send(RawMqttClient.connect(4, "willWildcard311", true, 60, "will/+", "bye"));
        assertThat(client.readUntilClosed()).allSatisfy(p -> {
            assertThat(p.type()).isEqualTo(Wire.CONNACK);
            assertThat(p.body()[1]).isNotZero();
        });
    }

    @Test
    void aRefusingConnackHasSessionPresentZeroAndTheConnectionIsClosed_3_2_2_4_and_3_2_2_5() throws IOException {
        RawMqttClient refused = open();
        refused.send(RawMqttClient.connect(4, "", false, 60));
        List<Packet> packets = refused.readUntilClosed();
        assertThat(packets).hasSize(1);
        assertThat(packets.get(0).body()).containsExactly(0, 2);
    }

    @Test
    void anUnsubscribeWithAnInvalidFilterIsClosed_4_7_1_2() throws IOException {
        RawMqttClient client = connected("unsubInvalid");
        client.send(Wire.unsubscribe(0xA2, 1, false, "a/#/b"));
        assertClosedWithoutAnswer(client);
    }

    @Test
    void aClientIdentifierWithIllFormedUtf8IsClosed_1_5_3_1() throws IOException {
        RawMqttClient client = open();
        byte[] connect = RawMqttClient.connect(4, "ab", true, 60);
        connect[connect.length - 1] = (byte) 0xC0;
        client.send(connect);
        List<Packet> packets = client.readUntilClosed();
        assertThat(packets).allSatisfy(p -> assertThat(p.body()[1]).as("no accepting CONNACK").isNotZero());
    }

    @Test
    void aCleanSessionIsGoneForAClientThatReconnectsTheMomentItClosed_3_1_2_6_and_3_2_2_3() throws IOException {
        for (int round = 0; round < 20; round++) {
            RawMqttClient clean = open();
            connect(clean, "cleanThenResume", true);
            subscribe(clean, "cleanThenResume/t", 1);
            clean.send(RawMqttClient.packet(0xE0, new byte[0]));
            assertClosedWithoutAnswer(clean);
            RawMqttClient resuming = open();
            assertThat(connect(resuming, "cleanThenResume", false)).as("session present in round %d", round).isFalse();
            resuming.send(RawMqttClient.packet(0xE0, new byte[0]));
            assertClosedWithoutAnswer(resuming);
            RawMqttClient cleanUp = open();
            connect(cleanUp, "cleanThenResume", true);
            cleanUp.send(RawMqttClient.packet(0xE0, new byte[0]));
            assertClosedWithoutAnswer(cleanUp);
        }
    }
}
