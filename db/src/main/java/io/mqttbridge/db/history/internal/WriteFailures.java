package io.mqttbridge.db.history.internal;

import java.sql.SQLException;
import org.jdbi.v3.core.statement.UnableToCreateStatementException;

/**
 * Tells a write that failed for what the records hold (a value out of range, a constraint, a value
 * that cannot be bound) from one that failed for PostgreSQL itself (connection, resources, a
 * shutdown, a deadlock): the first fails again however often it is retried.
 */
final class WriteFailures {

    private WriteFailures() {
    }

    /** Whether {@code failure} came from the records written, not from PostgreSQL being unavailable. */
    static boolean aboutTheRecords(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql) {
                return aboutTheRecords(sql);
            }
            if (cause instanceof UnableToCreateStatementException && cause.getCause() == null) {
                return true; // a value Jdbi cannot bind
            }
        }
        return false;
    }

    private static boolean aboutTheRecords(SQLException failure) {
        for (SQLException e = failure; e != null; e = e.getNextException()) {
            String state = e.getSQLState();
            // 22: data exception (out of range, invalid text), 23: integrity constraint violation.
            if (state != null && (state.startsWith("22") || state.startsWith("23"))) {
                return true;
            }
        }
        return false;
    }
}
