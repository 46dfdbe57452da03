-- The bridge's schema. Documented in docs/SCHEMA.md; keep the two in step.

-- Devices and what they may do -------------------------------------------------------------

CREATE TABLE devices (
    id           text        PRIMARY KEY CHECK (id <> '' AND length(id) <= 256),
    display_name text,
    enabled      boolean     NOT NULL DEFAULT true,
    metadata     jsonb       NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(metadata) = 'object'),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Several rows per device only while a rotation's grace period runs: the old password keeps
-- working until expires_at, the new one has no expiry.
CREATE TABLE device_credentials (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    device_id     text        NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    password_hash text        NOT NULL CHECK (password_hash LIKE '$%'),
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz
);
CREATE INDEX device_credentials_device_idx ON device_credentials (device_id);

CREATE TABLE device_acl_rules (
    device_id    text    NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    ordinal      integer NOT NULL CHECK (ordinal >= 0),
    permission   text    NOT NULL CHECK (permission IN ('allow', 'deny')),
    action       text    NOT NULL CHECK (action IN ('publish', 'subscribe', 'all')),
    topic_filter text    NOT NULL CHECK (topic_filter <> ''),
    PRIMARY KEY (device_id, ordinal)
);

-- Broker nodes and sessions ----------------------------------------------------------------

CREATE TABLE broker_nodes (
    node_id           text        PRIMARY KEY,
    started_at        timestamptz NOT NULL,
    last_heartbeat_at timestamptz NOT NULL
);

-- One row per connection. No foreign key to devices: history outlives a deleted device.
-- connected_at is null only if the disconnected event was seen without its connected event.
CREATE TABLE sessions (
    connection_id     uuid        PRIMARY KEY,
    client_id         text        NOT NULL,
    username          text,
    device_id         text,
    node_id           text        NOT NULL,
    remote_address    text,
    protocol_version  smallint    CHECK (protocol_version IN (3, 4, 5)),
    clean_start       boolean,
    keep_alive        integer,
    session_expiry    bigint,
    connected_at      timestamptz,
    disconnected_at   timestamptz,
    disconnect_reason text,
    reason_code       integer,
    will_published    boolean
);
CREATE INDEX sessions_client_idx       ON sessions (client_id, connected_at DESC);
CREATE INDEX sessions_username_idx     ON sessions (username, connected_at DESC);
CREATE INDEX sessions_device_idx       ON sessions (device_id, connected_at DESC);
CREATE INDEX sessions_node_idx         ON sessions (node_id, connected_at DESC);
CREATE INDEX sessions_connected_at_idx ON sessions (connected_at DESC);
CREATE INDEX sessions_open_idx         ON sessions (node_id) WHERE disconnected_at IS NULL;

CREATE TABLE subscription_events (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    connection_id   uuid        NOT NULL,
    client_id       text        NOT NULL,
    node_id         text        NOT NULL,
    kind            text        NOT NULL CHECK (kind IN ('subscribed', 'unsubscribed')),
    topic_filters   text[]      NOT NULL,
    granted_qos     smallint[],
    occurred_at     timestamptz NOT NULL,
    kafka_topic     text        NOT NULL,
    kafka_partition integer     NOT NULL,
    kafka_offset    bigint      NOT NULL,
    CONSTRAINT subscription_events_kafka_position_key UNIQUE (kafka_topic, kafka_partition, kafka_offset)
);
CREATE INDEX subscription_events_connection_idx ON subscription_events (connection_id, occurred_at);
CREATE INDEX subscription_events_client_idx     ON subscription_events (client_id, occurred_at);

-- Message history --------------------------------------------------------------------------

-- Range-partitioned on received_at (the Kafka record timestamp); partitions are created and
-- dropped by the application's partition manager. The id comes from one sequence for all
-- partitions, so (received_at, id) orders every row of the table.
CREATE SEQUENCE messages_id_seq AS bigint;

CREATE TABLE messages (
    id              bigint      NOT NULL DEFAULT nextval('messages_id_seq'),
    received_at     timestamptz NOT NULL,
    -- "C" collation: byte order, so a topic prefix is a plain btree range.
    mqtt_topic      text        COLLATE "C" NOT NULL,
    client_id       text,
    username        text,
    node_id         text,
    qos             smallint    NOT NULL CHECK (qos BETWEEN 0 AND 2),
    retain          boolean     NOT NULL,
    payload         bytea       NOT NULL,
    content_type    text,
    user_properties jsonb,
    kafka_topic     text        NOT NULL,
    kafka_partition integer     NOT NULL,
    kafka_offset    bigint      NOT NULL,
    CONSTRAINT messages_pkey PRIMARY KEY (received_at, id),
    -- A unique constraint on a partitioned table must contain the partition key. received_at is
    -- the Kafka record's own timestamp, identical on every replay of the record, so this is as
    -- strong as uniqueness on the Kafka position alone.
    CONSTRAINT messages_kafka_position_key UNIQUE (kafka_topic, kafka_partition, kafka_offset, received_at)
) PARTITION BY RANGE (received_at);

ALTER SEQUENCE messages_id_seq OWNED BY messages.id;

CREATE INDEX messages_topic_time_idx  ON messages (mqtt_topic, received_at, id);
CREATE INDEX messages_client_time_idx ON messages (client_id, received_at, id);
