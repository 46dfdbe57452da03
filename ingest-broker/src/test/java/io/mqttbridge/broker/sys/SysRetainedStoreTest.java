package io.mqttbridge.broker.sys;

import io.mqttbridge.broker.retained.InMemoryRetainedStore;
import io.mqttbridge.broker.spi.PublishedMessage;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SysRetainedStoreTest {

    private final InMemoryRetainedStore durable = new InMemoryRetainedStore();
    private final SysRetainedStore store = new SysRetainedStore(durable);

    @Test
    void sysTopicsStayOutOfTheDurableStoreAndOthersGoThere() {
        store.put(retained("$SYS/broker/uptime", "5 seconds")).join();
        store.put(retained("sensors/1", "20")).join();

        assertThat(topics(durable.matching("#").join())).containsExactly("sensors/1");
        assertThat(durable.matching("$SYS/#").join()).isEmpty();
        assertThat(store.size()).isEqualTo(1);
    }

    @Test
    void aFilterReachesTheSysValuesOnlyWhenItsFirstLevelIsSys() {
        store.put(retained("$SYS/broker/uptime", "5 seconds")).join();
        store.put(retained("$SYSTEM/x", "other")).join();
        store.put(retained("sensors/1", "20")).join();

        assertThat(topics(store.matching("$SYS/#").join())).containsExactly("$SYS/broker/uptime");
        assertThat(topics(store.matching("$SYS/broker/uptime").join())).containsExactly("$SYS/broker/uptime");
        assertThat(topics(store.matchingPage("$SYS/+/uptime", null, 10).join())).containsExactly("$SYS/broker/uptime");
        assertThat(topics(store.matching("#").join())).containsExactly("sensors/1");
        assertThat(topics(store.matching("+/broker/uptime").join())).isEmpty();
        assertThat(topics(durable.matching("$SYSTEM/x").join())).containsExactly("$SYSTEM/x");
    }

    @Test
    void anEmptyPayloadClearsASysValue() {
        store.put(retained("$SYS/broker/uptime", "5 seconds")).join();
        store.put(retained("$SYS/broker/uptime", "")).join();
        assertThat(store.matching("$SYS/#").join()).isEmpty();
    }

    @Test
    void sysTopicsAreTheTreeUnderTheSysLevelOnly() {
        assertThat(SysTopics.isSysTopic("$SYS")).isTrue();
        assertThat(SysTopics.isSysTopic("$SYS/broker/uptime")).isTrue();
        assertThat(SysTopics.isSysTopic("$SYSTEM/x")).isFalse();
        assertThat(SysTopics.isSysTopic("sys/$SYS")).isFalse();
        assertThat(SysTopics.isSysTopic("$sys/broker")).isFalse();
    }

    private static PublishedMessage retained(String topic, String payload) {
        return new PublishedMessage(topic, payload.getBytes(), 0, true, null, null, null, Instant.now(), null);
    }

    private static List<String> topics(List<PublishedMessage> messages) {
        return messages.stream().map(PublishedMessage::topic).toList();
    }
}
