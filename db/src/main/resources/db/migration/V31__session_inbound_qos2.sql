-- The inbound QoS 2 state of persistent sessions (see docs/SCHEMA.md): the packet ids of QoS 2
-- messages a client published that are stored (in Kafka, with every persistent subscriber) and were
-- answered with PUBREC, until the client's PUBREL. Written before PUBREC, so a PUBLISH the client
-- retransmits after a crash of the node, or on another node, is answered with PUBREC and not stored
-- or delivered a second time.
CREATE TABLE broker_session_inbound_qos2 (
    client_id  text        NOT NULL,
    packet_id  integer     NOT NULL CHECK (packet_id BETWEEN 1 AND 65535),
    stored_at  timestamptz NOT NULL,
    PRIMARY KEY (client_id, packet_id)
);
