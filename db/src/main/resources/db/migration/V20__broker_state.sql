-- Broker state that must survive a broker restart: persistent sessions and retained messages.
-- Written by io.mqttbridge.db.store (JdbiSessionStore, JdbiRetainedStore); see docs/SCHEMA.md.

-- One row per persistent session of one broker node. A node loads only its own rows: MQTT session
-- state lives in the memory of the node the client is connected to, so two nodes must not both
-- restore (and then both deliver) the same session.
CREATE TABLE broker_session_state (
    node_id                text        NOT NULL,
    client_id              text        NOT NULL,
    session_expiry_seconds bigint      NOT NULL,
    disconnected_at        timestamptz,
    -- [{"filter", "qos", "noLocal", "retainAsPublished", "retainHandling", "subscriptionId"}]
    subscriptions          jsonb       NOT NULL,
    -- [{"message": {..., "payload": base64}, "qos", "packetId", "released", "subscriptionIds"}], oldest first
    pending                jsonb       NOT NULL,
    saved_at               timestamptz NOT NULL,
    PRIMARY KEY (node_id, client_id)
);

-- At most one retained message per topic, shared by every node of the database.
CREATE TABLE retained_messages (
    -- "C" collation: byte order, so the literal prefix of a wildcard filter is a plain btree range.
    topic            text        COLLATE "C" PRIMARY KEY,
    payload          bytea       NOT NULL CHECK (octet_length(payload) > 0),
    qos              smallint    NOT NULL CHECK (qos BETWEEN 0 AND 2),
    -- MQTT 5 message properties, {} for none; binary values base64.
    properties       jsonb       NOT NULL,
    client_id        text,
    username         text,
    protocol_version smallint,
    received_at      timestamptz NOT NULL,
    -- received_at + the message expiry interval; NULL when the message does not expire.
    expires_at       timestamptz,
    stored_at        timestamptz NOT NULL
);

CREATE INDEX retained_messages_expires_idx ON retained_messages (expires_at) WHERE expires_at IS NOT NULL;
