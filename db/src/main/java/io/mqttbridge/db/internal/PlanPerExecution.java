package io.mqttbridge.db.internal;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.StatementCustomizer;
import org.postgresql.PGStatement;

/**
 * Makes PostgreSQL plan a statement for its actual parameter values on every execution.
 *
 * <p>The PostgreSQL driver turns a statement run five times on a connection into a server-side
 * prepared statement, and the server may then settle on a generic plan that ignores the values. For
 * topic filters the best plan depends on them: {@code site/+/device/507/temp} wants the level-token
 * GIN index, {@code site/7/device/+/temp} the topic btree. A generic plan for the first ANDs both
 * indexes and reads the whole {@code site/} range (docs/BENCHMARKS.md, "REST API latency"). An
 * unnamed statement costs one planning per execution.
 */
final class PlanPerExecution implements StatementCustomizer {

    static final PlanPerExecution INSTANCE = new PlanPerExecution();

    private PlanPerExecution() {
    }

    @Override
    public void beforeExecution(PreparedStatement statement, StatementContext ctx) throws SQLException {
        statement.unwrap(PGStatement.class).setPrepareThreshold(0);
    }
}
