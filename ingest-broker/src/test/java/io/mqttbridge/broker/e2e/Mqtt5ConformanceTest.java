package io.mqttbridge.broker.e2e;

import io.mqttbridge.testing.mqtt.RawMqttClient;
import io.mqttbridge.testing.mqtt.RawMqttClient.Packet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.mqttbridge.broker.e2e.Wire.parsePublish;
import static io.mqttbridge.broker.e2e.Wire.props;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The normative statements of MQTT 5.0 ([MQTT-x.x.x-y]) that interoperability suites exercise,
 * checked byte by byte.
 */
class Mqtt5ConformanceTest {

    private static final int PINGRESP = 13;

    @RegisterExtension
    final RawClientBroker broker = new RawClientBroker();

    private RawMqttClient open() throws IOException {
        return broker.open();
    }

    /** Connects with {@code connect} and returns the accepting CONNACK. */
    private static Packet connect(RawMqttClient client, byte[] connect) throws IOException {
        client.send(connect);
        Packet connAck = client.read();
        assertThat(connAck).isNotNull();
        assertThat(connAck.type()).isEqualTo(Wire.CONNACK);
        assertThat(connAck.body()[1] & 0xFF).as("reason code").isZero();
        return connAck;
    }

    private RawMqttClient connected(String clientId, byte[] props) throws IOException {
        RawMqttClient client = open();
        connect(client, Wire.connect5(clientId, true, props));
        return client;
    }

    private RawMqttClient connected(String clientId) throws IOException {
        return connected(clientId, new byte[0]);
    }

    private static void subscribe(RawMqttClient client, String filter, int options) throws IOException {
        client.send(Wire.subscribe(0x82, 1, new byte[0], filter, options));
        assertThat(Wire.reasonCodes(client.read(), true)).containsExactly(options & 3);
    }

    private static void assertDisconnectedWith(RawMqttClient client, int... reasons) throws IOException {
        List<Packet> packets = client.readUntilClosed();
        assertThat(packets).as("one DISCONNECT before the close").hasSize(1);
        assertThat(packets.get(0).type()).isEqualTo(Wire.DISCONNECT);
        assertThat(Wire.reasonOf(packets.get(0))).isIn(box(reasons));
    }

    /** A refused CONNECT: a CONNACK with a reason code of 0x80 or above, or a close without answer. */
    private static void assertConnectRefused(RawMqttClient client, int... reasons) throws IOException {
        List<Packet> packets = client.readUntilClosed();
        assertThat(packets).hasSizeLessThanOrEqualTo(1);
        if (!packets.isEmpty()) {
            assertThat(packets.get(0).type()).isEqualTo(Wire.CONNACK);
            assertThat(packets.get(0).body()[1] & 0xFF).isIn(box(reasons));
        }
    }

    private static Object[] box(int[] values) {
        Object[] boxed = new Object[values.length];
        for (int i = 0; i < values.length; i++) {
            boxed[i] = values[i];
        }
        return boxed;
    }

    private static void ping(RawMqttClient client) throws IOException {
        client.send(RawMqttClient.packet(0xC0, new byte[0]));
        Packet packet = client.read();
        assertThat(packet).as("PINGRESP and nothing before it").isNotNull();
        assertThat(packet.type()).as("PINGRESP and nothing before it").isEqualTo(PINGRESP);
    }

    /** Publishes a retained QoS 1 message and waits for its PUBACK, so that it is stored before the test goes on. */
    private static void publishRetained(RawMqttClient publisher, String topic, String payload) throws IOException {
        publisher.send(Wire.publish(true, 1, true, topic, 1, payload));
        Packet pubAck = publisher.read();
        assertThat(pubAck.type()).isEqualTo(Wire.PUBACK);
        assertThat(Wire.reasonOf(pubAck)).isLessThan(0x80);
    }

    // ---- CONNECT

    @Test
    void connectWithTheReservedFlagSetIsMalformed_3_1_2_3() throws IOException {
        RawMqttClient client = open();
        client.send(Wire.connect(5, 0x03, 60, new byte[0], "reserved", null, null, null, null, null));
        assertConnectRefused(client, 0x81);
    }

    @Test
    void willQosOrRetainWithoutTheWillFlagIsMalformed_3_1_2_11_and_13() throws IOException {
        for (int flags : new int[] {0x02 | 0x08, 0x02 | 0x20}) {
            RawMqttClient client = open();
            client.send(Wire.connect(5, flags, 60, new byte[0], "willFlags", null, null, null, null, null));
            assertConnectRefused(client, 0x81, 0x82);
        }
    }

    @Test
    void receiveMaximumOrMaximumPacketSizeOfZeroIsAProtocolError_section_3_1_2_11() throws IOException {
        RawMqttClient receiveMaximum = open();
        receiveMaximum.send(Wire.connect5("rm0", true, props().u16(0x21, 0).bytes()));
        assertConnectRefused(receiveMaximum, 0x81, 0x82);

        RawMqttClient packetSize = open();
        packetSize.send(Wire.connect5("mps0", true, props().u32(0x27, 0).bytes()));
        assertConnectRefused(packetSize, 0x81, 0x82);
    }

    @Test
    void aPropertyIncludedTwiceIsAProtocolError_section_3_1_2_11() throws IOException {
        RawMqttClient client = open();
        client.send(Wire.connect5("twice", true, props().u32(0x11, 10).u32(0x11, 20).bytes()));
        assertConnectRefused(client, 0x81, 0x82);
    }

    @Test
    void cleanStartDiscardsTheSessionAndSessionPresentSaysWhetherOneResumed_3_1_2_4_to_6_and_3_2_2_2_3()
            throws IOException {
        byte[] expiring = props().u32(0x11, 60).bytes();
        RawMqttClient first = open();
        assertThat(connect(first, Wire.connect5("resume5", false, expiring)).body()[0]).isZero();
        subscribe(first, "resume5/t", 1);
        first.send(Wire.disconnect5(0, new byte[0]));
        first.readUntilClosed();

        RawMqttClient publisher = connected("resume5Pub");
        publisher.send(Wire.publish(true, 1, false, "resume5/t", 1, "while away"));
        assertThat(publisher.read().type()).isEqualTo(Wire.PUBACK);

        RawMqttClient second = open();
        assertThat(connect(second, Wire.connect5("resume5", false, expiring)).body()[0])
                .as("session present").isEqualTo((byte) 1);
        assertThat(parsePublish(second.read(), true).payload()).isEqualTo("while away");
        second.close();

        RawMqttClient third = open();
        assertThat(connect(third, Wire.connect5("resume5", true, expiring)).body()[0])
                .as("clean start: no session present").isZero();
        publisher.send(Wire.publish(true, 1, false, "resume5/t", 2, "after clean start"));
        assertThat(publisher.read().type()).isEqualTo(Wire.PUBACK);
        ping(third);
    }

    @Test
    void aClientIdentifierIsAssignedToAnEmptyOne_3_2_2_16() throws IOException {
        RawMqttClient client = open();
        Packet connAck = connect(client, Wire.connect5("", true, new byte[0]));
        assertThat(Wire.connAckProps(connAck)).anySatisfy(p -> {
            assertThat(p.id()).isEqualTo(0x12);
            assertThat((String) p.value()).isNotEmpty();
        });
    }

    @Test
    void aSecondConnectionWithTheSameClientIdGetsTheFirstDisconnectedWith0x8E_3_1_4_3() throws IOException {
        RawMqttClient first = connected("takeover5");
        connected("takeover5");
        assertDisconnectedWith(first, 0x8E);
    }

    @Test
    void requestProblemInformationZeroKeepsReasonStringsOutOfAcks_3_1_2_29() throws IOException {
        RawMqttClient client = connected("noProblems", props().u8(0x17, 0).bytes());
        client.send(Wire.subscribe(0x82, 1, new byte[0], "bad/#/filter", 0));
        Packet subAck = client.read();
        assertThat(Wire.reasonCodes(subAck, true)).containsExactly(0x8F);
        java.nio.ByteBuffer body = java.nio.ByteBuffer.wrap(subAck.body());
        body.getShort();
        assertThat(Wire.readProps(body)).noneMatch(p -> p.id() == 0x1F || p.id() == 0x26);
    }

    @Test
    void anEmptyClientIdWithoutCleanStartIsAcceptedWithAnAssignedIdentifier_3_1_3_6_and_3_1_3_7() throws IOException {
        RawMqttClient client = open();
        Packet connAck = connect(client, Wire.connect5("", false, new byte[0]));
        assertThat(Wire.connAckProps(connAck)).anyMatch(p -> p.id() == 0x12);
        assertThat(connAck.body()[0]).as("a new session").isZero();
    }

    @Test
    void aDisconnectSettingTheSessionExpiryToZeroEndsTheSessionEvenForAnImmediateReconnect_section_3_14_2_2_2()
            throws IOException {
        byte[] expiring = props().u32(0x11, 60).bytes();
        // Reconnecting the moment the server closed races the server's own handling of that close.
        for (int round = 0; round < 20; round++) {
            RawMqttClient first = open();
            connect(first, Wire.connect5("endNow", false, expiring));
            subscribe(first, "endNow/t", 1);
            first.send(Wire.disconnect5(0, props().u32(0x11, 0).bytes()));
            assertThat(first.readUntilClosed()).isEmpty();
            RawMqttClient second = open();
            assertThat(connect(second, Wire.connect5("endNow", false, expiring)).body()[0])
                    .as("no session present in round %d", round).isZero();
            second.send(Wire.disconnect5(0, props().u32(0x11, 0).bytes()));
            assertThat(second.readUntilClosed()).isEmpty();
        }
    }

    @Test
    void anAuthPacketWithoutAnAuthenticationMethodIsAProtocolError_section_4_12() throws IOException {
        RawMqttClient client = connected("authWithoutMethod");
        client.send(RawMqttClient.packet(0xF0, new byte[] {0x18, 0}));
        assertDisconnectedWith(client, 0x82);
    }

    @Test
    void aWillWithAWildcardResponseTopicIsAProtocolError_3_3_2_14() throws IOException {
        RawMqttClient client = open();
        client.send(Wire.connect5WithWill("willWildcard", new byte[0], props().string(0x08, "replies/+").bytes(),
                "will/t", "bye", 0, false));
        assertConnectRefused(client, 0x82);
    }

    @Test
    void aRetainedMessageKeepsItsPropertiesForLaterSubscribers_3_3_1_5_and_3_3_2_17_18() throws IOException {
        RawMqttClient publisher = connected("retainPropsPub");
        byte[] properties = props().u8(0x01, 1).string(0x03, "text/plain").user("a", "2").user("c", "3").bytes();
        publisher.send(Wire.publish(0x33, "retainProps/t", 1, properties, "kept".getBytes(StandardCharsets.UTF_8)));
        assertThat(publisher.read().type()).isEqualTo(Wire.PUBACK);
        RawMqttClient subscriber = connected("retainPropsSub");
        subscribe(subscriber, "retainProps/#", 2);
        Wire.Publish retained = parsePublish(subscriber.read(), true);
        assertThat(retained.retain()).isTrue();
        assertThat(retained.prop(0x01)).isEqualTo(1);
        assertThat(retained.prop(0x03)).isEqualTo("text/plain");
        assertThat(retained.all(0x26)).containsExactly("a=2", "c=3");
    }

    @Test
    void aMessageTooLargeForTheClientIsDroppedForItAloneAndDoesNotHoldItsFlow_3_1_2_24_and_25() throws IOException {
        RawMqttClient small = connected("mpsSmall", props().u32(0x27, 64).bytes());
        subscribe(small, "mps/t", 2);
        RawMqttClient large = connected("mpsLarge");
        subscribe(large, "mps/t", 2);
        RawMqttClient publisher = connected("mpsPub");
        publisher.send(Wire.publish(true, 1, false, "mps/t", 1, ".".repeat(64)));
        publisher.send(Wire.publish(true, 2, false, "mps/t", 2, "fits"));
        Wire.Publish first = parsePublish(small.read(), true);
        assertThat(first.payload()).isEqualTo("fits");
        assertThat(parsePublish(large.read(), true).payload()).hasSize(64);
        assertThat(parsePublish(large.read(), true).payload()).isEqualTo("fits");
    }

    @Test
    void aDisconnectMayRaiseTheSessionExpiryIntervalSetAtConnect_section_3_14_2_2_2() throws IOException {
        RawMqttClient first = open();
        connect(first, Wire.connect5("raised", false, props().u32(0x11, 1).bytes()));
        subscribe(first, "raised/t", 1);
        first.send(Wire.disconnect5(0, props().u32(0x11, 60).bytes()));
        assertThat(first.readUntilClosed()).isEmpty();
        await().during(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(4))
                .until(() -> broker.broker().broker.subscriptionsOf("raised").size() == 1);
        RawMqttClient second = open();
        assertThat(connect(second, Wire.connect5("raised", false, new byte[0])).body()[0])
                .as("session present").isEqualTo((byte) 1);
    }

    @Test
    void withoutASessionExpiryIntervalTheSessionEndsWithTheConnection_section_3_1_2_11_2() throws IOException {
        RawMqttClient first = open();
        connect(first, Wire.connect5("noExpiry", false, new byte[0]));
        subscribe(first, "noExpiry/t", 1);
        first.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> broker.broker().broker.subscriptionsOf("noExpiry").isEmpty());
        RawMqttClient second = open();
        assertThat(connect(second, Wire.connect5("noExpiry", false, new byte[0])).body()[0]).isZero();
    }

    @Test
    void withATopicAliasMaximumOfOneEveryLaterMessageUsesTheAlias_3_1_2_26() throws IOException {
        RawMqttClient subscriber = connected("oneAlias", props().u16(0x22, 1).bytes());
        subscribe(subscriber, "oneAlias/t", 2);
        RawMqttClient publisher = connected("oneAliasPub");
        for (int qos = 0; qos < 3; qos++) {
            publisher.send(Wire.publish(true, qos, false, "oneAlias/t", qos + 1, "m" + qos));
        }
        Wire.Publish first = parsePublish(subscriber.read(), true);
        assertThat(first.topic()).isEqualTo("oneAlias/t");
        assertThat(first.prop(0x23)).isEqualTo(1);
        for (int qos = 1; qos < 3; qos++) {
            Wire.Publish next = parsePublish(subscriber.read(), true);
            // At QoS 2 the name goes along (ClientConnection.writePublish says why).
            assertThat(next.topic()).isEqualTo(qos == 2 ? "oneAlias/t" : "");
            assertThat(next.prop(0x23)).isEqualTo(1);
            assertThat(next.qos()).isEqualTo(qos);
            subscriber.send(Wire.ack(qos == 1 ? 0x40 : 0x50, next.packetId()));
        }
    }

    @Test
    void topicAliasesOfTheClientDoNotOutliveTheConnection_section_3_3_2_3_4() throws IOException {
        byte[] expiring = props().u32(0x11, 60).bytes();
        RawMqttClient first = open();
        connect(first, Wire.connect5("aliasLife", false, expiring));
        first.send(Wire.publish(0x30, "aliasLife/t", 0, props().u16(0x23, 1).bytes(), new byte[] {1}));
        first.send(Wire.disconnect5(0, new byte[0]));
        assertThat(first.readUntilClosed()).isEmpty();
        RawMqttClient second = open();
        connect(second, Wire.connect5("aliasLife", false, expiring));
        second.send(Wire.publish(0x30, "", 0, props().u16(0x23, 1).bytes(), new byte[] {1}));
        assertDisconnectedWith(second, 0x82, 0x94);
    }

    @Test
    void authenticationDataWithoutAnAuthenticationMethodIsAProtocolError_section_3_1_2_11_10() throws IOException {
        RawMqttClient client = open();
        client.send(Wire.connect5("authDataOnly", true, props().binary(0x16, new byte[] {1, 2}).bytes()));
        assertConnectRefused(client, 0x82);
    }

    @Test
    void aWillTopicWithWildcardsIsRefused_3_1_3_11() throws IOException {
        RawMqttClient client = open();
        client.send(Wire.connect5WithWill("willTopicWildcard", new byte[0], new byte[0], "will/#", "bye", 0, false));
        assertConnectRefused(client, 0x82, 0x90);
    }

    @Test
    void aPropertyThePacketDoesNotDefineIsMalformed_section_2_2_2_2() throws IOException {
        RawMqttClient publish = connected("undefinedInPublish");
        publish.send(Wire.publish(0x30, "t", 0, props().u32(0x11, 10).bytes(), new byte[] {1}));
        assertDisconnectedWith(publish, 0x81);

        RawMqttClient subscribe = connected("undefinedInSubscribe");
        subscribe.send(Wire.subscribe(0x82, 1, props().u16(0x23, 1).bytes(), "t", 0));
        assertDisconnectedWith(subscribe, 0x81);

        RawMqttClient connect = open();
        connect.send(Wire.connect5("undefinedInConnect", true, props().u16(0x23, 1).bytes()));
        assertConnectRefused(connect, 0x81);

        RawMqttClient will = open();
        will.send(Wire.connect5WithWill("undefinedInWill", new byte[0], props().u32(0x11, 10).bytes(), "will/t",
                "bye", 0, false));
        assertConnectRefused(will, 0x81);
    }

    // ---- PUBLISH

    @Test
    void publishWithBothQosBitsSetIsMalformed_3_3_1_4() throws IOException {
        RawMqttClient client = connected("qos3");
        client.send(Wire.publish(0x36, "t", 1, new byte[0], new byte[] {1}));
        assertDisconnectedWith(client, 0x81);
    }

    @Test
    void topicAliasZeroOrAboveTheMaximumIsInvalid_3_3_2_8_and_3_3_2_9() throws IOException {
        RawMqttClient zero = connected("alias0");
        zero.send(Wire.publish(0x30, "t", 0, props().u16(0x23, 0).bytes(), new byte[] {1}));
        assertDisconnectedWith(zero, 0x94);

        RawMqttClient tooHigh = open();
        Packet connAck = connect(tooHigh, Wire.connect5("aliasHigh", true, new byte[0]));
        int maximum = Wire.connAckProps(connAck).stream().filter(p -> p.id() == 0x22)
                .map(p -> (Integer) p.value()).findFirst().orElse(0);
        tooHigh.send(Wire.publish(0x30, "t", 0, props().u16(0x23, maximum + 1).bytes(), new byte[] {1}));
        assertDisconnectedWith(tooHigh, 0x94);
    }

    @Test
    void anEmptyTopicWithoutAliasIsAProtocolError_3_3_2_1() throws IOException {
        RawMqttClient client = connected("emptyTopic5");
        client.send(Wire.publish(true, 0, false, "", 0, "x"));
        assertDisconnectedWith(client, 0x82);
    }

    @Test
    void aSubscriptionIdentifierSentByTheClientInPublishIsAProtocolError_3_3_4_6() throws IOException {
        RawMqttClient client = connected("subIdPub");
        client.send(Wire.publish(0x30, "t", 0, props().varInt(0x0B, 5).bytes(), new byte[] {1}));
        assertDisconnectedWith(client, 0x82);
    }

    @Test
    void aResponseTopicWithWildcardsIsAProtocolError_3_3_2_14() throws IOException {
        RawMqttClient client = connected("respWild");
        client.send(Wire.publish(0x30, "t", 0, props().string(0x08, "replies/#").bytes(), new byte[] {1}));
        assertDisconnectedWith(client, 0x82, 0x90);
    }

    @Test
    void noAliasIsSentToAClientThatAnnouncedNoTopicAliasMaximum_3_1_2_26_and_27() throws IOException {
        RawMqttClient subscriber = connected("noAliases");
        subscribe(subscriber, "na/t", 0);
        RawMqttClient publisher = connected("noAliasesPub");
        for (int i = 0; i < 3; i++) {
            publisher.send(Wire.publish(true, 0, false, "na/t", 0, "m" + i));
        }
        for (int i = 0; i < 3; i++) {
            Wire.Publish delivered = parsePublish(subscriber.read(), true);
            assertThat(delivered.topic()).isEqualTo("na/t");
            assertThat(delivered.prop(0x23)).isNull();
        }
    }

    @Test
    void applicationPropertiesArriveUnalteredAndUserPropertiesInOrder_3_3_2_4_and_15_to_20() throws IOException {
        RawMqttClient subscriber = connected("propsSub");
        subscribe(subscriber, "props/t", 1);
        RawMqttClient publisher = connected("propsPub");
        byte[] correlation = {0, 1, 2, (byte) 0xFF};
        byte[] properties = props().u8(0x01, 1).string(0x03, "text/plain").string(0x08, "replies/here")
                .binary(0x09, correlation).user("k", "2").user("a", "1").user("k", "1").bytes();
        publisher.send(Wire.publish(0x32, "props/t", 1, properties, "héllo".getBytes(StandardCharsets.UTF_8)));
        assertThat(publisher.read().type()).isEqualTo(Wire.PUBACK);
        Wire.Publish delivered = parsePublish(subscriber.read(), true);
        assertThat(delivered.payload()).isEqualTo("héllo");
        assertThat(delivered.prop(0x01)).isEqualTo(1);
        assertThat(delivered.prop(0x03)).isEqualTo("text/plain");
        assertThat(delivered.prop(0x08)).isEqualTo("replies/here");
        assertThat((byte[]) delivered.prop(0x09)).containsExactly(correlation);
        assertThat(delivered.all(0x26)).containsExactly("k=2", "a=1", "k=1");
    }

    @Test
    void aPayloadMarkedUtf8ThatIsNotIsRefusedWith0x99OrForwardedWithItsIndicator_3_3_2_4() throws IOException {
        RawMqttClient subscriber = connected("pfiSub");
        subscribe(subscriber, "pfi/t", 1);
        RawMqttClient publisher = connected("pfiPub");
        publisher.send(Wire.publish(0x32, "pfi/t", 1, props().u8(0x01, 1).bytes(), new byte[] {(byte) 0xC3, 0x28}));
        Packet answer = publisher.read();
        if (answer != null && answer.type() == Wire.PUBACK && Wire.reasonOf(answer) < 0x80) {
            assertThat(parsePublish(subscriber.read(), true).prop(0x01)).isEqualTo(1);
        } else {
            assertThat(answer).isNotNull();
            assertThat(Wire.reasonOf(answer)).isEqualTo(0x99);
            ping(subscriber);
        }
    }

    // ---- retained messages

    @Test
    void retainHandlingZeroSendsOnEverySubscribeOneOnlyForANewSubscription_3_3_1_9_and_3_3_1_10()
            throws IOException {
        RawMqttClient publisher = connected("rhPub");
        publishRetained(publisher, "rh5/t", "kept");
        RawMqttClient always = connected("rh0");
        subscribe(always, "rh5/t", 0);
        assertThat(parsePublish(always.read(), true).retain()).isTrue();
        subscribe(always, "rh5/t", 0);
        assertThat(parsePublish(always.read(), true).payload()).as("again on a repeated subscribe").isEqualTo("kept");

        RawMqttClient onlyNew = connected("rh1");
        subscribe(onlyNew, "rh5/t", 0x10);
        assertThat(parsePublish(onlyNew.read(), true).payload()).isEqualTo("kept");
        subscribe(onlyNew, "rh5/t", 0x10);
        ping(onlyNew);
    }

    @Test
    void retainAsPublishedZeroClearsTheFlagOnForwardedMessagesButNotOnRetainedOnes_3_3_1_12_and_13()
            throws IOException {
        RawMqttClient publisher = connected("rapPub");
        publishRetained(publisher, "rap/t", "stored");
        RawMqttClient subscriber = connected("rapSub");
        subscribe(subscriber, "rap/t", 0);
        assertThat(parsePublish(subscriber.read(), true).retain()).as("sent because of the subscription").isTrue();
        publishRetained(publisher, "rap/t", "live");
        Wire.Publish live = parsePublish(subscriber.read(), true);
        assertThat(live.payload()).isEqualTo("live");
        assertThat(live.retain()).isFalse();
    }

    @Test
    void anEmptyRetainedMessageClearsTheTopicAndIsNotStored_3_3_1_6_and_3_3_1_7() throws IOException {
        RawMqttClient publisher = connected("clearPub");
        publishRetained(publisher, "clear5/t", "kept");
        publishRetained(publisher, "clear5/t", "");
        RawMqttClient subscriber = connected("clearSub");
        subscribe(subscriber, "clear5/#", 0);
        ping(subscriber);
    }

    @Test
    void retainedMessagesAreNotSentForANewSharedSubscription_section_4_8_2() throws IOException {
        RawMqttClient publisher = connected("shareRetainPub");
        publishRetained(publisher, "sr/t", "kept");
        RawMqttClient member = connected("shareRetainMember");
        subscribe(member, "$share/g/sr/t", 0);
        ping(member);
    }

    @Test
    void retainedMessagesSentOnSubscribeCarryTheSubscriptionIdentifier_3_3_4_3() throws IOException {
        RawMqttClient publisher = connected("retainedSubIdPub");
        publishRetained(publisher, "rsi/t", "kept");
        RawMqttClient subscriber = connected("retainedSubId");
        subscriber.send(Wire.subscribe(0x82, 1, props().varInt(0x0B, 77).bytes(), "rsi/#", 1));
        assertThat(Wire.reasonCodes(subscriber.read(), true)).containsExactly(1);
        Wire.Publish retained = parsePublish(subscriber.read(), true);
        assertThat(retained.payload()).isEqualTo("kept");
        assertThat(retained.all(0x0B)).containsExactly(77);
    }

    // ---- SUBSCRIBE / UNSUBSCRIBE

    @Test
    void subscribeOptionsWithReservedBitsOrQos3AreMalformedAndRetainHandling3IsAProtocolError_3_8_3_5()
            throws IOException {
        for (int options : new int[] {0x40, 0x80, 0x03}) {
            RawMqttClient client = connected("options" + options);
            client.send(Wire.subscribe(0x82, 1, new byte[0], "t", options));
            assertDisconnectedWith(client, 0x81);
        }
        RawMqttClient retainHandling = connected("rh3");
        retainHandling.send(Wire.subscribe(0x82, 1, new byte[0], "t", 0x30));
        assertDisconnectedWith(retainHandling, 0x81, 0x82);
    }

    @Test
    void subscriptionIdentifierZeroIsAProtocolError_section_3_8_2_1_2() throws IOException {
        RawMqttClient client = connected("subId0");
        client.send(Wire.subscribe(0x82, 1, props().varInt(0x0B, 0).bytes(), "t", 0));
        assertDisconnectedWith(client, 0x81, 0x82);
    }

    @Test
    void noLocalOnASharedSubscriptionIsAProtocolError_3_8_3_4() throws IOException {
        RawMqttClient client = connected("sharedNoLocal");
        client.send(Wire.subscribe(0x82, 1, new byte[0], "$share/g/t", 0x04));
        assertDisconnectedWith(client, 0x82);
    }

    @Test
    void invalidFiltersAndShareNamesGet0x8FEachWhileValidOnesInTheSamePacketAreGranted_4_7_1_and_4_8_2_1_2()
            throws IOException {
        RawMqttClient client = connected("badFilters5");
        client.send(Wire.subscribe(0x82, 1, new byte[0], "ok/+", 1, "a/#/b", 1, "a+", 1, "$share//t", 1,
                "$share/g+/t", 1, "$share/g", 1, "", 1, "ok/#", 2));
        assertThat(Wire.reasonCodes(client.read(), true)).containsExactly(1, 0x8F, 0x8F, 0x8F, 0x8F, 0x8F, 0x8F, 2);
        ping(client);
    }

    @Test
    void subscribeAndUnsubscribeWithoutFiltersAreProtocolErrors_3_8_3_2_and_3_10_3_2() throws IOException {
        RawMqttClient subscribe = connected("noFilters5");
        subscribe.send(Wire.subscribe(0x82, 1, new byte[0]));
        assertDisconnectedWith(subscribe, 0x81, 0x82);

        RawMqttClient unsubscribe = connected("noUnsubFilters5");
        unsubscribe.send(Wire.unsubscribe(0xA2, 1, true));
        assertDisconnectedWith(unsubscribe, 0x81, 0x82);
    }

    @Test
    void subscribeWithWrongReservedFlagsIsMalformed_3_8_1_1() throws IOException {
        RawMqttClient client = connected("flags5");
        client.send(Wire.subscribe(0x80, 1, new byte[0], "t", 0));
        assertDisconnectedWith(client, 0x81);
    }

    @Test
    void unsubscribeReportsSuccessAndNoSubscriptionExistedPerFilter_section_3_11_3() throws IOException {
        RawMqttClient client = connected("unsub5");
        subscribe(client, "u/t", 0);
        client.send(Wire.unsubscribe(0xA2, 4, true, "u/t", "never", "a/#/b"));
        assertThat(Wire.reasonCodes(client.read(), true)).containsExactly(0x00, 0x11, 0x8F);
        ping(client);
    }

    @Test
    void dollarTopicsAreNotMatchedByWildcardsAtTheFirstLevel_4_7_2_1() throws IOException {
        RawMqttClient subscriber = connected("dollar5");
        subscribe(subscriber, "#", 0);
        subscribe(subscriber, "+/x", 0);
        RawMqttClient publisher = connected("dollar5Pub");
        publisher.send(Wire.publish(true, 0, false, "$test/x", 0, "hidden"));
        publisher.send(Wire.publish(true, 0, false, "plain/x", 0, "seen"));
        assertThat(parsePublish(subscriber.read(), true).topic()).isEqualTo("plain/x");
    }

    @Test
    void overlappingSubscriptionsCarryEveryMatchingSubscriptionIdentifier_3_3_4_2_to_5() throws IOException {
        RawMqttClient subscriber = connected("overlap5");
        subscriber.send(Wire.subscribe(0x82, 1, props().varInt(0x0B, 7).bytes(), "ov/#", 0));
        assertThat(Wire.reasonCodes(subscriber.read(), true)).containsExactly(0);
        subscriber.send(Wire.subscribe(0x82, 2, props().varInt(0x0B, 9).bytes(), "ov/+", 1));
        assertThat(Wire.reasonCodes(subscriber.read(), true)).containsExactly(1);
        RawMqttClient publisher = connected("overlap5Pub");
        publisher.send(Wire.publish(true, 1, false, "ov/t", 1, "m"));
        List<Object> identifiers = new ArrayList<>();
        List<Integer> qos = new ArrayList<>();
        Wire.Publish first = parsePublish(subscriber.read(), true);
        identifiers.addAll(first.all(0x0B));
        qos.add(first.qos());
        if (first.qos() > 0) {
            subscriber.send(Wire.ack(0x40, first.packetId()));
        }
        subscriber.send(RawMqttClient.packet(0xC0, new byte[0]));
        Packet next;
        while ((next = subscriber.read()).type() != PINGRESP) {
            Wire.Publish copy = parsePublish(next, true);
            identifiers.addAll(copy.all(0x0B));
            qos.add(copy.qos());
        }
        assertThat(identifiers).containsExactlyInAnyOrder(7, 9);
        assertThat(qos).contains(1);
    }

    @Test
    void aSubscriptionIdentifierTwiceInSubscribeOrAWillPropertyTwiceIsAProtocolError_section_3_8_2_1_2() throws IOException {
        RawMqttClient subscribe = connected("subIdTwice");
        subscribe.send(Wire.subscribe(0x82, 1, props().varInt(0x0B, 1).varInt(0x0B, 2).bytes(), "t", 0));
        assertDisconnectedWith(subscribe, 0x82);

        RawMqttClient will = open();
        will.send(Wire.connect5WithWill("willTwice", new byte[0], props().u32(0x18, 1).u32(0x18, 2).bytes(),
                "will/t", "bye", 0, false));
        assertConnectRefused(will, 0x82);
    }

    @Test
    void packetsBeforeAMalformedSubscribeInTheSameWriteAreStillProcessed() throws IOException {
        RawMqttClient client = connected("beforeMalformed");
        byte[] ping = RawMqttClient.packet(0xC0, new byte[0]);
        byte[] bad = Wire.subscribe(0x82, 1, new byte[0], "t", 0x80);
        byte[] both = new byte[ping.length + bad.length];
        System.arraycopy(ping, 0, both, 0, ping.length);
        System.arraycopy(bad, 0, both, ping.length, bad.length);
        client.send(both);
        List<Packet> packets = client.readUntilClosed();
        assertThat(packets).extracting(Packet::type).containsExactly(PINGRESP, Wire.DISCONNECT);
        assertThat(Wire.reasonOf(packets.get(1))).isEqualTo(0x81);
    }

    // ---- flow control and sizes

    @Test
    void theServerSendsNoMoreUnacknowledgedQos1PublishesThanTheClientsReceiveMaximum_3_3_4_9() throws IOException {
        RawMqttClient subscriber = connected("rmClient", props().u16(0x21, 2).bytes());
        subscribe(subscriber, "rm/t", 1);
        RawMqttClient publisher = connected("rmClientPub");
        for (int i = 1; i <= 4; i++) {
            publisher.send(Wire.publish(true, 1, false, "rm/t", i, "m" + i));
            assertThat(publisher.read().type()).isEqualTo(Wire.PUBACK);
        }
        Wire.Publish first = parsePublish(subscriber.read(), true);
        Wire.Publish second = parsePublish(subscriber.read(), true);
        ping(subscriber);
        subscriber.send(Wire.ack(0x40, first.packetId()));
        assertThat(parsePublish(subscriber.read(), true).payload()).isEqualTo("m3");
        ping(subscriber);
        subscriber.send(Wire.ack(0x40, second.packetId()));
        assertThat(parsePublish(subscriber.read(), true).payload()).isEqualTo("m4");
    }

    @Test
    void aPubrecWithAFailureCodeEndsTheQos2FlowAndFreesItsReceiveMaximumSlot_section_4_3_3_and_4_9() throws IOException {
        RawMqttClient subscriber = connected("pubrecFail", props().u16(0x21, 1).bytes());
        subscribe(subscriber, "pf/t", 2);
        RawMqttClient publisher = connected("pubrecFailPub");
        publisher.send(Wire.publish(true, 2, false, "pf/t", 1, "refused"));
        publisher.send(Wire.publish(true, 2, false, "pf/t", 2, "next"));
        Wire.Publish first = parsePublish(subscriber.read(), true);
        subscriber.send(RawMqttClient.packet(0x50, new byte[] {(byte) (first.packetId() >> 8),
                (byte) first.packetId(), (byte) 0x80, 0}));
        Wire.Publish second = parsePublish(subscriber.read(), true);
        assertThat(second.payload()).as("no PUBREL for the refused one; the next one comes").isEqualTo("next");
    }

    @Test
    void theServerAnnouncesItsLimitsInConnack_section_3_2_2_3() throws IOException {
        RawMqttClient client = open();
        Packet connAck = connect(client, Wire.connect5("limits", true, new byte[0]));
        List<Integer> ids = Wire.connAckProps(connAck).stream().map(Wire.Property::id).toList();
        assertThat(ids).contains(0x21, 0x22, 0x27);
    }

    @Test
    void aPubrelForAnUnknownPacketIdIsAnsweredWithPubcomp0x92_section_3_7_2_1() throws IOException {
        RawMqttClient client = connected("unknownPubrel");
        client.send(Wire.ack(0x62, 42));
        Packet pubcomp = client.read();
        assertThat(pubcomp.type()).isEqualTo(Wire.PUBCOMP);
        assertThat(Wire.packetIdOf(pubcomp)).isEqualTo(42);
        assertThat(Wire.reasonOf(pubcomp)).isEqualTo(0x92);
    }

    @Test
    void retainedMessagesAreSentAtTheLowerOfTheirQosAndTheSubscriptionsQos_section_3_3_1_3() throws IOException {
        RawMqttClient publisher = connected("retainedQosPub");
        for (int qos = 0; qos < 3; qos++) {
            publisher.send(Wire.publish(true, qos, true, "rq/" + qos, qos + 1, "q" + qos));
        }
        for (int qos = 1; qos < 3; qos++) {
            assertThat(publisher.read().type()).isEqualTo(qos == 1 ? Wire.PUBACK : Wire.PUBREC);
        }
        publisher.send(Wire.ack(0x62, 3));
        assertThat(publisher.read().type()).isEqualTo(Wire.PUBCOMP);
        RawMqttClient two = connected("retainedQos2");
        subscribe(two, "rq/+", 2);
        List<Integer> qos = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            qos.add(parsePublish(two.read(), true).qos());
        }
        assertThat(qos).containsExactlyInAnyOrder(0, 1, 2);
        RawMqttClient one = connected("retainedQos1");
        subscribe(one, "rq/+", 1);
        List<Integer> capped = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            capped.add(parsePublish(one.read(), true).qos());
        }
        assertThat(capped).containsExactlyInAnyOrder(0, 1, 1);
    }

    @Test
    void anExpiredRetainedMessageIsNoLongerSent_3_3_2_5() throws IOException {
        RawMqttClient publisher = connected("retainedExpiryPub");
        publisher.send(Wire.publish(0x33, "rexp/short", 1, props().u32(0x02, 1).bytes(), new byte[] {1}));
        assertThat(publisher.read().type()).isEqualTo(Wire.PUBACK);
        publisher.send(Wire.publish(0x33, "rexp/long", 2, props().u32(0x02, 600).bytes(), new byte[] {2}));
        assertThat(publisher.read().type()).isEqualTo(Wire.PUBACK);
        // The time passing is the condition under test: the one-second interval must run out.
        await().pollDelay(Duration.ofMillis(2100)).until(() -> true);
        RawMqttClient subscriber = connected("retainedExpirySub");
        subscribe(subscriber, "rexp/#", 1);
        Wire.Publish kept = parsePublish(subscriber.read(), true);
        assertThat(kept.topic()).isEqualTo("rexp/long");
        assertThat((Long) kept.prop(0x02)).as("the remaining interval").isBetween(1L, 599L);
        ping(subscriber);
    }

    @Test
    void aTakenOverClientsWillIsPublished_3_1_4_3() throws IOException {
        RawMqttClient watcher = connected("takeoverWillWatcher");
        subscribe(watcher, "takeoverWill/#", 0);
        RawMqttClient first = open();
        connect(first, Wire.connect5WithWill("takeoverWill", new byte[0], new byte[0], "takeoverWill/t", "replaced",
                0, false));
        connected("takeoverWill");
        assertDisconnectedWith(first, 0x8E);
        assertThat(parsePublish(watcher.read(), true).payload()).isEqualTo("replaced");
    }

    @Test
    void aServerWithMaximumQos1AnnouncesItGrantsQos1AndRefusesQos2Publishes_3_2_2_9_to_11() throws IOException {
        broker.restartWith(c -> c.setMaxQos(1));
        RawMqttClient client = open();
        Packet connAck = connect(client, Wire.connect5("maxQos1", true, new byte[0]));
        assertThat(Wire.connAckProps(connAck)).anySatisfy(p -> {
            assertThat(p.id()).isEqualTo(0x24);
            assertThat(p.value()).isEqualTo(1);
        });
        client.send(Wire.subscribe(0x82, 1, new byte[0], "mq/t", 2));
        assertThat(Wire.reasonCodes(client.read(), true)).containsExactly(1);
        client.send(Wire.publish(true, 2, false, "mq/t", 2, "too high"));
        assertDisconnectedWith(client, 0x9B);
    }

    @Test
    void aServerWithoutRetainAnnouncesItAndRefusesRetainedPublishes_section_3_2_2_3_5() throws IOException {
        broker.restartWith(c -> c.setRetainAvailable(false));
        RawMqttClient client = open();
        Packet connAck = connect(client, Wire.connect5("noRetain", true, new byte[0]));
        assertThat(Wire.connAckProps(connAck)).anySatisfy(p -> {
            assertThat(p.id()).isEqualTo(0x25);
            assertThat(p.value()).isEqualTo(0);
        });
        client.send(Wire.publish(true, 0, true, "nr/t", 0, "retained"));
        assertDisconnectedWith(client, 0x9A);
    }

    @Test
    void aMessageResentOnANewConnectionCarriesItsTopicNameNotAnAliasOfTheOldOne_section_3_3_2_3_4() throws IOException {
        byte[] connectProps = props().u32(0x11, 60).u16(0x22, 5).bytes();
        RawMqttClient first = open();
        connect(first, Wire.connect5("aliasResend", false, connectProps));
        subscribe(first, "aliasResend/t", 1);
        RawMqttClient publisher = connected("aliasResendPub");
        publisher.send(Wire.publish(true, 1, false, "aliasResend/t", 1, "one"));
        publisher.send(Wire.publish(true, 1, false, "aliasResend/t", 2, "two"));
        Wire.Publish one = parsePublish(first.read(), true);
        first.send(Wire.ack(0x40, one.packetId()));
        Wire.Publish two = parsePublish(first.read(), true);
        assertThat(two.topic()).as("alias only on the first connection").isEmpty();
        first.close();

        RawMqttClient second = open();
        connect(second, Wire.connect5("aliasResend", false, connectProps));
        Wire.Publish resent = parsePublish(second.read(), true);
        assertThat(resent.payload()).isEqualTo("two");
        assertThat(resent.dup()).isTrue();
        assertThat(resent.topic()).as("the old connection's aliases are gone").isEqualTo("aliasResend/t");
    }

    @Test
    void aRepeatedSubscriptionReplacesItsOptionsAndAnUnsubscribedFilterCountsAsNewForRetainHandling1_3_8_4_3()
            throws IOException {
        RawMqttClient client = connected("replaceOptions");
        subscribe(client, "ro/t", 0x04);
        client.send(Wire.publish(true, 0, false, "ro/t", 0, "own, not delivered"));
        ping(client);
        subscribe(client, "ro/t", 0);
        client.send(Wire.publish(true, 0, false, "ro/t", 0, "own, delivered"));
        assertThat(parsePublish(client.read(), true).payload()).isEqualTo("own, delivered");

        publishRetained(client, "ro/kept", "kept");
        subscribe(client, "ro/kept", 0x10);
        assertThat(parsePublish(client.read(), true).payload()).isEqualTo("kept");
        client.send(Wire.unsubscribe(0xA2, 5, true, "ro/kept"));
        assertThat(Wire.reasonCodes(client.read(), true)).containsExactly(0);
        subscribe(client, "ro/kept", 0x10);
        assertThat(parsePublish(client.read(), true).payload()).as("new again after UNSUBSCRIBE").isEqualTo("kept");
    }

    @Test
    void wildcardsMatchTheParentLevelAndEmptyLevels_section_4_7_1() throws IOException {
        RawMqttClient subscriber = connected("wildcards");
        subscribe(subscriber, "sport/#", 0);
        subscribe(subscriber, "+/+", 0);
        subscribe(subscriber, "/#", 0);
        RawMqttClient publisher = connected("wildcardsPub");
        publisher.send(Wire.publish(true, 0, false, "sport", 0, "parent"));
        publisher.send(Wire.publish(true, 0, false, "/leading", 0, "empty first level"));
        publisher.send(Wire.publish(true, 0, false, "a/", 0, "empty last level"));
        publisher.send(Wire.publish(true, 0, false, "sport/end", 0, "end"));
        List<String> payloads = new ArrayList<>();
        String payload;
        // One publisher's messages arrive in order: everything matched comes before "end".
        while (!(payload = parsePublish(subscriber.read(), true).payload()).equals("end")) {
            payloads.add(payload);
        }
        assertThat(payloads).containsExactly("parent", "empty first level", "empty last level");
    }

    @Test
    void aQos2DeliveryHoldsItsReceiveMaximumSlotUntilPubcomp_section_4_9() throws IOException {
        RawMqttClient subscriber = connected("rmQos2", props().u16(0x21, 1).bytes());
        subscribe(subscriber, "rm2/t", 2);
        RawMqttClient publisher = connected("rmQos2Pub");
        publisher.send(Wire.publish(true, 1, false, "rm2/t", 1, "first"));
        publisher.send(Wire.publish(true, 1, false, "rm2/t", 2, "second"));
        Wire.Publish first = parsePublish(subscriber.read(), true);
        assertThat(first.qos()).isEqualTo(1);
        subscriber.send(Wire.ack(0x40, first.packetId()));
        Wire.Publish second = parsePublish(subscriber.read(), true);
        assertThat(second.payload()).isEqualTo("second");

        publisher.send(Wire.publish(true, 2, false, "rm2/t", 3, "third"));
        publisher.send(Wire.publish(true, 2, false, "rm2/t", 4, "fourth"));
        subscriber.send(Wire.ack(0x40, second.packetId()));
        Wire.Publish third = parsePublish(subscriber.read(), true);
        subscriber.send(Wire.ack(0x50, third.packetId()));
        Packet pubrel = subscriber.read();
        assertThat(pubrel.type()).isEqualTo(Wire.PUBREL);
        ping(subscriber);
        subscriber.send(Wire.ack(0x70, third.packetId()));
        assertThat(parsePublish(subscriber.read(), true).payload()).as("sent once PUBCOMP freed the slot")
                .isEqualTo("fourth");
    }

    @Test
    void aWillWithADelayIsPublishedAtOnceWhenTheSessionEndsWithTheConnection_section_3_1_3_2_2() throws IOException {
        RawMqttClient watcher = connected("willNoSession");
        subscribe(watcher, "wns/#", 0);
        RawMqttClient leaving = open();
        connect(leaving, Wire.connect5WithWill("willNoSessionLeaving", new byte[0], props().u32(0x18, 3600).bytes(),
                "wns/t", "no session to wait for", 0, false));
        leaving.close();
        assertThat(parsePublish(watcher.read(), true).payload()).isEqualTo("no session to wait for");
    }

    @Test
    void messagesResentAfterReconnectRespectTheNewReceiveMaximum_3_3_4_9() throws IOException {
        RawMqttClient first = open();
        connect(first, Wire.connect5("rmResend", false, props().u32(0x11, 60).u16(0x21, 10).bytes()));
        subscribe(first, "rmResend/t", 1);
        RawMqttClient publisher = connected("rmResendPub");
        for (int i = 1; i <= 3; i++) {
            publisher.send(Wire.publish(true, 1, false, "rmResend/t", i, "m" + i));
        }
        for (int i = 1; i <= 3; i++) {
            assertThat(parsePublish(first.read(), true).payload()).isEqualTo("m" + i);
        }
        first.close();

        RawMqttClient second = open();
        connect(second, Wire.connect5("rmResend", false, props().u32(0x11, 60).u16(0x21, 1).bytes()));
        Wire.Publish resent = parsePublish(second.read(), true);
        assertThat(resent.payload()).isEqualTo("m1");
        assertThat(resent.dup()).isTrue();
        ping(second);
        second.send(Wire.ack(0x40, resent.packetId()));
        assertThat(parsePublish(second.read(), true).payload()).isEqualTo("m2");
    }

    @Test
    void aServerWithoutSharedSubscriptionsAnnouncesItAndRefusesThemWith0x9E_section_3_2_2_3_13() throws IOException {
        broker.restartWith(c -> c.setSharedSubscriptionsAvailable(false));
        RawMqttClient client = open();
        Packet connAck = connect(client, Wire.connect5("noShared", true, new byte[0]));
        assertThat(Wire.connAckProps(connAck)).anySatisfy(p -> {
            assertThat(p.id()).isEqualTo(0x2A);
            assertThat(p.value()).isEqualTo(0);
        });
        client.send(Wire.subscribe(0x82, 1, new byte[0], "$share/g/t", 1, "t", 1));
        assertThat(Wire.reasonCodes(client.read(), true)).containsExactly(0x9E, 1);
    }

    // ---- will

    @Test
    void theWillIsNotPublishedOnNormalDisconnect_3_14_4_3() throws IOException {
        RawMqttClient watcher = connected("willWatch5");
        subscribe(watcher, "will5/#", 0);
        RawMqttClient leaving = open();
        connect(leaving, Wire.connect5WithWill("willNormal", new byte[0], new byte[0], "will5/t", "bye", 0, false));
        leaving.send(Wire.disconnect5(0, new byte[0]));
        assertThat(leaving.readUntilClosed()).isEmpty();
        // A will would be routed as the connection ends, before a message published afterwards.
        connected("willNormalAfter").send(Wire.publish(true, 0, false, "will5/after", 0, "after"));
        assertThat(parsePublish(watcher.read(), true).payload()).isEqualTo("after");
    }

    @Test
    void theWillCarriesItsPropertiesQosAndRetainFlag_3_1_3_2_and_3_1_2_17() throws IOException {
        RawMqttClient watcher = connected("willProps");
        subscribe(watcher, "willp/#", 0x08 | 2);
        RawMqttClient leaving = open();
        byte[] willProps = props().string(0x03, "text/plain").user("why", "gone").bytes();
        connect(leaving, Wire.connect5WithWill("willPropsLeaving", new byte[0], willProps, "willp/t", "bye", 2, true));
        leaving.close();
        Wire.Publish will = parsePublish(watcher.read(), true);
        assertThat(will.payload()).isEqualTo("bye");
        assertThat(will.qos()).isEqualTo(2);
        assertThat(will.retain()).as("retain as published").isTrue();
        assertThat(will.prop(0x03)).isEqualTo("text/plain");
        assertThat(will.all(0x26)).containsExactly("why=gone");
    }

    @Test
    void theWillIsPublishedWhenTheSessionEndsBeforeTheWillDelay_section_3_1_3_2_2() throws IOException {
        RawMqttClient watcher = connected("willSessionEnd");
        subscribe(watcher, "wse/#", 0);
        RawMqttClient leaving = open();
        connect(leaving, Wire.connect5WithWill("willSessionEndLeaving", props().u32(0x11, 1).bytes(),
                props().u32(0x18, 3600).bytes(), "wse/t", "session over", 0, false));
        leaving.close();
        assertThat(parsePublish(watcher.read(), true).payload()).isEqualTo("session over");
    }

    @Test
    void aSilentClientIsDisconnectedAfterOneAndAHalfTimesItsKeepAliveAndNotBefore_3_1_2_22() throws IOException {
        RawMqttClient client = open();
        connect(client, Wire.connect(5, 0x02, 2, new byte[0], "silent5", null, null, null, null, null));
        long connectedAt = System.nanoTime();
        List<Packet> packets = client.readUntilClosed();
        long silentMillis = (System.nanoTime() - connectedAt) / 1_000_000;
        assertThat(silentMillis).isGreaterThanOrEqualTo(2_900);
        // A DISCONNECT before the close is optional; if sent, it says Keep Alive timeout.
        assertThat(packets).allSatisfy(p -> {
            assertThat(p.type()).isEqualTo(Wire.DISCONNECT);
            assertThat(Wire.reasonOf(p)).isEqualTo(0x8D);
        });
    }
}
