-- Every change of a device that must reach live sessions on every node is announced on the
-- PostgreSQL channel device_changes, by triggers, so the NOTIFY is part of the changing transaction
-- (delivered at its commit, never for a rollback) whatever code or operator made the change.
-- Payload: {"device": id, "change": deleted|disabled|enabled|acl|credentials, "at": ms, "until": ms|null}
-- where "at" is the transaction's time and "until" (credentials only) when connections
-- authenticated before "at" must end: the grace end of a rotation, or "at" when a current
-- credential was removed. Read by db.registry.DeviceChangeListener on each node.
CREATE FUNCTION notify_device_change() RETURNS trigger LANGUAGE plpgsql AS $$
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
    PERFORM pg_notify('device_changes', json_build_object('device', device, 'change', change,
            'at', floor(extract(epoch FROM now()) * 1000)::bigint,
            'until', floor(extract(epoch FROM until) * 1000)::bigint)::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER devices_deleted_notify AFTER DELETE ON devices
    FOR EACH ROW EXECUTE FUNCTION notify_device_change();
CREATE TRIGGER devices_enabled_notify AFTER UPDATE OF enabled ON devices
    FOR EACH ROW WHEN (OLD.enabled IS DISTINCT FROM NEW.enabled) EXECUTE FUNCTION notify_device_change();
CREATE TRIGGER device_acl_rules_notify AFTER INSERT OR UPDATE OR DELETE ON device_acl_rules
    FOR EACH ROW EXECUTE FUNCTION notify_device_change();
CREATE TRIGGER device_credentials_notify AFTER INSERT OR UPDATE OR DELETE ON device_credentials
    FOR EACH ROW EXECUTE FUNCTION notify_device_change();
