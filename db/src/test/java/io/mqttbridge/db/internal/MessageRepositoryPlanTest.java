package io.mqttbridge.db.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttbridge.db.MessageQuery;
import io.mqttbridge.db.testing.TestDatabase;
import java.sql.Connection;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Topic-filter queries must be planned for their values, never with a cached generic plan. */
class MessageRepositoryPlanTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();

    @Test
    void repeatedTopicFilterQueriesLeaveNoServerSidePreparedStatement() throws Exception {
        // One connection for every handle, so the check below sees the session the statements ran on.
        try (Connection connection = db.database().dataSource().getConnection()) {
            Jdbi session = Jdbi.create(connection);
            JdbiMessageRepository messages = new JdbiMessageRepository(session);
            for (int i = 0; i < 10; i++) {
                messages.find(MessageQuery.all().topicFilter("site/+/device/507/temp"));
                messages.topics("site/+/device/507/temp", null, 10);
                // A statement without the customizer, which the driver does turn into a prepared one.
                messages.latestPerTopic("site/#", null, 10);
            }
            long tokenStatements = session.withHandle(h -> h.createQuery(
                            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%topic_tokens @>%'")
                    .mapTo(Long.class).one());
            long latestStatements = session.withHandle(h -> h.createQuery(
                            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%WITH RECURSIVE topics%'")
                    .mapTo(Long.class).one());
            assertThat(latestStatements).as("the driver prepared latestPerTopic's statement on this connection").isOne();
            assertThat(tokenStatements).isZero();
        }
    }
}
