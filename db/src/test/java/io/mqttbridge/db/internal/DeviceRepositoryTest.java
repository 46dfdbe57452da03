package io.mqttbridge.db.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mqttbridge.broker.spi.AclRule;
import io.mqttbridge.db.Device;
import io.mqttbridge.db.DeviceAlreadyExistsException;
import io.mqttbridge.db.DeviceQuery;
import io.mqttbridge.db.DeviceRepository;
import io.mqttbridge.db.NewDevice;
import io.mqttbridge.db.Page;
import io.mqttbridge.db.testing.TestDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class DeviceRepositoryTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();

    private DeviceRepository devices;

    @BeforeEach
    void clean() {
        db.truncateAll();
        devices = db.database().devices();
    }

    @Test
    void createdDeviceIsFoundWithAllFields() {
        Device created = devices.create(new NewDevice("d1", "Pump", false, Map.of("site", "north", "n", 3)));
        assertThat(devices.find("d1")).contains(created);
        assertThat(created.enabled()).isFalse();
        assertThat(created.metadata()).containsEntry("site", "north").containsEntry("n", 3);
        assertThat(devices.find("d2")).isEmpty();
    }

    @Test
    void duplicateIdIsRejected() {
        devices.create(NewDevice.of("d1"));
        assertThatThrownBy(() -> devices.create(NewDevice.of("d1")))
                .isInstanceOf(DeviceAlreadyExistsException.class).hasMessageContaining("d1");
    }

    @Test
    void emptyOrOverlongIdIsRejectedBeforeTheDatabase() {
        assertThatThrownBy(() -> NewDevice.of(" ")).hasMessageContaining("empty");
        assertThatThrownBy(() -> NewDevice.of("x".repeat(257))).hasMessageContaining("256");
    }

    @Test
    void searchMatchesIdOrDisplayNameCaseInsensitivelyAndTreatsWildcardsLiterally() {
        devices.create(new NewDevice("boiler-1", "Basement", true, null));
        devices.create(new NewDevice("pump-1", "Boiler room pump", true, null));
        devices.create(new NewDevice("fan_1", "Attic", true, null));
        devices.create(new NewDevice("fan-2", "Attic 100%", true, null));

        assertThat(ids(devices.list(DeviceQuery.all().search("BOILER")))).containsExactly("boiler-1", "pump-1");
        assertThat(ids(devices.list(DeviceQuery.all().search("fan_")))).containsExactly("fan_1");
        assertThat(ids(devices.list(DeviceQuery.all().search("%")))).containsExactly("fan-2");
    }

    @Test
    void enabledFilterSelectsEnabledOrDisabledDevices() {
        devices.create(new NewDevice("on", null, true, null));
        devices.create(new NewDevice("off", null, false, null));
        assertThat(ids(devices.list(DeviceQuery.all().enabled(true)))).containsExactly("on");
        assertThat(ids(devices.list(DeviceQuery.all().enabled(false)))).containsExactly("off");
        assertThat(ids(devices.list(DeviceQuery.all()))).containsExactly("off", "on");
    }

    @Test
    void pagesFollowTheCursorToTheEnd() {
        for (int i = 0; i < 7; i++) {
            devices.create(NewDevice.of("dev-" + i));
        }
        List<String> seen = new ArrayList<>();
        String cursor = null;
        do {
            Page<Device> page = devices.list(DeviceQuery.all().limit(3).after(cursor));
            seen.addAll(ids(page));
            cursor = page.nextCursor();
        } while (cursor != null);
        assertThat(seen).containsExactly("dev-0", "dev-1", "dev-2", "dev-3", "dev-4", "dev-5", "dev-6");
        assertThatThrownBy(() -> devices.list(DeviceQuery.all().after("%%%"))).hasMessageContaining("cursor");
    }

    @Test
    void updatesChangeOnlyTheTargetDeviceAndTouchUpdatedAt() {
        Device before = devices.create(new NewDevice("d1", "old", true, Map.of("a", 1, "b", 2)));
        devices.create(new NewDevice("d2", "other", true, Map.of("a", 1)));

        assertThat(devices.setDisplayName("d1", "new").orElseThrow().displayName()).isEqualTo("new");
        assertThat(devices.setEnabled("d1", false).orElseThrow().enabled()).isFalse();
        assertThat(devices.mergeMetadata("d1", Map.of("b", 3, "c", 4)).orElseThrow().metadata())
                .isEqualTo(Map.of("a", 1, "b", 3, "c", 4));
        Device after = devices.replaceMetadata("d1", Map.of("z", true)).orElseThrow();
        assertThat(after.metadata()).isEqualTo(Map.of("z", true));
        assertThat(after.updatedAt()).isAfterOrEqualTo(before.updatedAt());

        Device other = devices.find("d2").orElseThrow();
        assertThat(other.displayName()).isEqualTo("other");
        assertThat(other.enabled()).isTrue();
        assertThat(other.metadata()).isEqualTo(Map.of("a", 1));
        assertThat(devices.setEnabled("missing", true)).isEmpty();
    }

    @Test
    void deleteRemovesOnlyThatDeviceWithItsCredentialsAndRules() {
        devices.create(NewDevice.of("d1"));
        devices.create(NewDevice.of("d2"));
        db.database().credentials().setPassword("d1", "secret-1");
        db.database().aclRules().replaceRules("d1", List.of(AclRule.allow(AclRule.Action.ALL, "x/#")));

        assertThat(devices.delete("d1")).isTrue();
        assertThat(devices.delete("d1")).isFalse();
        assertThat(devices.find("d2")).isPresent();
        assertThat(db.database().credentials().list("d1")).isEmpty();
        assertThat(db.database().aclRules().rulesFor("d1")).isEmpty();
    }

    private static List<String> ids(Page<Device> page) {
        return page.items().stream().map(Device::id).toList();
    }
}
