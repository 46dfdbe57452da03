-- Inbound QoS 2 messages in doubt (see docs/SCHEMA.md): the packet id's row is now written before the
-- message is handed to Kafka, with outcome_known false and the receive time (the Kafka record's
-- timestamp); it turns to outcome_known true once Kafka confirmed the message and it was routed (then
-- PUBREC is sent). A retransmission of a message in doubt after a crash is looked up in Kafka instead
-- of being stored again. Rows written before this migration are answered messages.
ALTER TABLE broker_session_inbound_qos2
    ADD COLUMN outcome_known boolean NOT NULL DEFAULT true,
    ADD COLUMN received_at   timestamptz;
