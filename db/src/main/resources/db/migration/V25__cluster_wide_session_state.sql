-- Persistent sessions become cluster-wide and crash-safe (see docs/SCHEMA.md):
-- * broker_session_state is keyed by client id alone, so any node can take a session over; node_id
--   stays as the owner: the node that saved the session last, and the one that restores it at start.
-- * the messages a session holds move out of the snapshot's jsonb into broker_session_messages, one
--   row per message, written through before the message's publisher is acknowledged.

-- The same client id saved by two nodes: the newest state wins.
DELETE FROM broker_session_state older
 USING broker_session_state newer
 WHERE older.client_id = newer.client_id
   AND (older.saved_at, older.node_id) < (newer.saved_at, newer.node_id);

CREATE TABLE broker_session_messages (
    client_id        text        NOT NULL,
    -- Numbered by the session, increasing in arrival order; identifies the message within it.
    sequence         bigint      NOT NULL CHECK (sequence > 0),
    qos              smallint    NOT NULL CHECK (qos BETWEEN 0 AND 2),
    -- The packet identifier it was sent with; 0 while only queued. Recorded with PUBREC (released).
    packet_id        integer     NOT NULL CHECK (packet_id BETWEEN 0 AND 65535),
    -- PUBREC received (QoS 2): only PUBREL remains to be sent.
    released         boolean     NOT NULL,
    subscription_ids integer[]   NOT NULL,
    -- {"topic", "payload": base64, "qos", "retain", "clientId", "username", "protocolLevel", "receivedAt", "properties"}
    message          jsonb       NOT NULL,
    stored_at        timestamptz NOT NULL,
    PRIMARY KEY (client_id, sequence)
);

INSERT INTO broker_session_messages (client_id, sequence, qos, packet_id, released, subscription_ids, message, stored_at)
SELECT s.client_id, p.n, (p.m ->> 'qos')::smallint, COALESCE((p.m ->> 'packetId')::integer, 0),
       COALESCE((p.m ->> 'released')::boolean, false),
       ARRAY(SELECT jsonb_array_elements_text(COALESCE(p.m -> 'subscriptionIds', '[]'::jsonb))::integer),
       p.m -> 'message', s.saved_at
  FROM broker_session_state s, jsonb_array_elements(s.pending) WITH ORDINALITY AS p(m, n);

ALTER TABLE broker_session_state DROP COLUMN pending;
ALTER TABLE broker_session_state DROP CONSTRAINT broker_session_state_pkey;
ALTER TABLE broker_session_state ADD PRIMARY KEY (client_id);

-- A node's start-up restore reads its own sessions in client id order, a page at a time.
CREATE INDEX broker_session_state_node_idx ON broker_session_state (node_id, client_id);
-- The expiry sweeper looks only at offline sessions.
CREATE INDEX broker_session_state_offline_idx ON broker_session_state (disconnected_at)
    WHERE disconnected_at IS NOT NULL;
