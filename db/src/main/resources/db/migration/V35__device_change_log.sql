-- The device changes whose effect the devices' current state cannot show, kept for a day: a deletion,
-- and a credential change with the time by which connections authenticated before it must end.
-- Notifications on device_changes (V28) are lost while a node is not listening (its connection
-- broke, PostgreSQL restarted); when it listens again, db.registry.DeviceChangeListener replays these
-- (disabling, enabling and rules it reads from the devices as they are). Written by the same trigger,
-- in the changing transaction.
CREATE TABLE device_change_log (
    id        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    device_id text        NOT NULL,
    change    text        NOT NULL CHECK (change IN ('deleted', 'credentials')),
    at        timestamptz NOT NULL,
    until     timestamptz
);

CREATE INDEX device_change_log_at_idx ON device_change_log (at);

CREATE OR REPLACE FUNCTION notify_device_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    device text;
    change text;
    until  timestamptz;
BEGIN
    IF TG_TABLE_NAME = 'devices' THEN
        IF TG_OP = 'DELETE' THEN
            device := OLD.id;
            change := 'deleted';
        ELSE
            device := NEW.id;
            change := CASE WHEN NEW.enabled THEN 'enabled' ELSE 'disabled' END;
        END IF;
    ELSIF TG_TABLE_NAME = 'device_acl_rules' THEN
        device := CASE WHEN TG_OP = 'DELETE' THEN OLD.device_id ELSE NEW.device_id END;
        change := 'acl';
    ELSE
        change := 'credentials';
        IF TG_OP = 'INSERT' THEN
            device := NEW.device_id;
        ELSIF TG_OP = 'UPDATE' THEN
            device := NEW.device_id;
            until := NEW.expires_at;
        ELSE
            device := OLD.device_id;
            IF OLD.expires_at IS NOT NULL AND OLD.expires_at <= now() THEN
                RETURN NULL; -- an expired credential went: nobody can still depend on it
            END IF;
            until := now();
        END IF;
    END IF;
    IF change = 'deleted' OR until IS NOT NULL THEN
        INSERT INTO device_change_log (device_id, change, at, until) VALUES (device, change, now(), until);
        DELETE FROM device_change_log WHERE at < now() - interval '1 day';
    END IF;
    PERFORM pg_notify('device_changes', json_build_object('device', device, 'change', change,
            'at', floor(extract(epoch FROM now()) * 1000)::bigint,
            'until', floor(extract(epoch FROM until) * 1000)::bigint)::text);
    RETURN NULL;
END
$$;
