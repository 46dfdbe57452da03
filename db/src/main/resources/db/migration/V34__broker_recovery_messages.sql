-- Messages being recovered from a dead node's sessions (see docs/SCHEMA.md): the survivor that wins
-- a round of a dead node's recovery moves the node's stored shared-group messages here (out of
-- broker_session_messages, in the transaction that takes them) and deletes its round's rows once it
-- has handed them to other members of their groups. Rows a survivor left (it died before handing
-- them over) are taken again, tagged with the next round, by the survivor that recovers after it.
CREATE TABLE broker_recovery_messages (
    id               bigserial   PRIMARY KEY,
    -- The dead node whose sessions held the message.
    dead_node        text        NOT NULL,
    -- The recovery round that holds it now: the dead instance, or <dead instance>/<dead winner's instance>.
    round            text        NOT NULL,
    -- The message as it was in broker_session_messages.
    client_id        text        NOT NULL,
    sequence         bigint      NOT NULL,
    qos              smallint    NOT NULL CHECK (qos BETWEEN 0 AND 2),
    packet_id        integer     NOT NULL CHECK (packet_id BETWEEN 0 AND 65535),
    released         boolean     NOT NULL,
    subscription_ids integer[]   NOT NULL,
    message          jsonb       NOT NULL,
    shared_group     text,
    stored_at        timestamptz NOT NULL,
    taken_at         timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX broker_recovery_messages_node_idx ON broker_recovery_messages (dead_node, round);
