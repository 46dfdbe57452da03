package io.mqttbridge.api.health;

import com.codahale.metrics.health.HealthCheck;
import io.mqttbridge.db.Database;

/** PostgreSQL answers a trivial query through the application's pool. */
public class DatabaseHealthCheck extends HealthCheck {

    private final Database database;

    public DatabaseHealthCheck(Database database) {
        this.database = database;
    }

    @Override
    protected Result check() {
        Integer one = database.jdbi().withHandle(handle -> handle.createQuery("SELECT 1").mapTo(Integer.class).one());
        return one == 1 ? Result.healthy() : Result.unhealthy("SELECT 1 returned " + one);
    }
}
