package io.mqttbridge.db.internal;

import io.mqttbridge.broker.spi.AclRule;
import io.mqttbridge.db.AclRuleRepository;
import io.mqttbridge.db.NoSuchDeviceException;
import java.util.List;
import java.util.Locale;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;

/** {@link AclRuleRepository} on the {@code device_acl_rules} table. */
public final class JdbiAclRuleRepository implements AclRuleRepository {

    private final Jdbi jdbi;

    public JdbiAclRuleRepository(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    @Override
    public List<AclRule> rulesFor(String deviceId) {
        return jdbi.withHandle(h -> rulesFor(h, deviceId));
    }

    static List<AclRule> rulesFor(Handle h, String deviceId) {
        return h.createQuery("SELECT permission, action, topic_filter FROM device_acl_rules "
                        + "WHERE device_id = :d ORDER BY ordinal")
                .bind("d", deviceId)
                .map((rs, ctx) -> new AclRule(
                        AclRule.Permission.valueOf(rs.getString("permission").toUpperCase(Locale.ROOT)),
                        AclRule.parseAction(rs.getString("action")),
                        rs.getString("topic_filter")))
                .list();
    }

    @Override
    public void replaceRules(String deviceId, List<AclRule> rules) {
        List<AclRule> copy = List.copyOf(rules);
        jdbi.useTransaction(h -> {
            boolean exists = h.createQuery("SELECT 1 FROM devices WHERE id = :d FOR UPDATE")
                    .bind("d", deviceId).mapTo(Integer.class).findOne().isPresent();
            if (!exists) {
                throw new NoSuchDeviceException(deviceId);
            }
            h.createUpdate("DELETE FROM device_acl_rules WHERE device_id = :d").bind("d", deviceId).execute();
            if (copy.isEmpty()) {
                return;
            }
            PreparedBatch batch = h.prepareBatch("INSERT INTO device_acl_rules "
                    + "(device_id, ordinal, permission, action, topic_filter) VALUES (:d, :o, :p, :a, :f)");
            for (int i = 0; i < copy.size(); i++) {
                AclRule rule = copy.get(i);
                batch.bind("d", deviceId)
                        .bind("o", i)
                        .bind("p", rule.permission().name().toLowerCase(Locale.ROOT))
                        .bind("a", rule.action().name().toLowerCase(Locale.ROOT))
                        .bind("f", rule.topicFilter())
                        .add();
            }
            batch.execute();
        });
    }
}
