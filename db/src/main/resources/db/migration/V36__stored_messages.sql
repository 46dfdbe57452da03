-- A message queued for many persistent sessions is stored once (see docs/SCHEMA.md): one QoS 1
-- message of 50 KB for 1,000 offline sessions was 1,000 copies (1,000 rows of 68 KB of JSON) written
-- before its publisher's PUBACK; it is now one row of broker_stored_messages, keyed by the SHA-256
-- digest of its JSON, that the 1,000 small rows refer to. A message queued for one session stays in
-- its row, as before: a reference would only cost it a second row to write and delete.
CREATE TABLE broker_stored_messages (
    -- SHA-256 of the message's JSON as the broker wrote it: equal messages are one row.
    digest    bytea       PRIMARY KEY,
    -- {"topic", "payload": base64, "qos", "retain", "clientId", "username", "protocolLevel", "receivedAt", "properties"}
    message   jsonb       NOT NULL,
    -- Inserted, or last stored again for a new reference.
    stored_at timestamptz NOT NULL DEFAULT now()
);

-- Each row holds its message itself or refers to a stored one, never both. The foreign key makes the
-- database refuse a reference to a message that is gone and the deletion of one still referred to;
-- the partial indexes serve its checks and the "still referred to?" question.
ALTER TABLE broker_session_messages ALTER COLUMN message DROP NOT NULL;
ALTER TABLE broker_session_messages ADD COLUMN message_digest bytea
    CONSTRAINT broker_session_messages_message_fk REFERENCES broker_stored_messages (digest);
ALTER TABLE broker_session_messages ADD CONSTRAINT broker_session_messages_one_content
    CHECK ((message IS NULL) <> (message_digest IS NULL));
CREATE INDEX broker_session_messages_digest_idx ON broker_session_messages (message_digest)
    WHERE message_digest IS NOT NULL;

ALTER TABLE broker_recovery_messages ALTER COLUMN message DROP NOT NULL;
ALTER TABLE broker_recovery_messages ADD COLUMN message_digest bytea
    CONSTRAINT broker_recovery_messages_message_fk REFERENCES broker_stored_messages (digest);
ALTER TABLE broker_recovery_messages ADD CONSTRAINT broker_recovery_messages_one_content
    CHECK ((message IS NULL) <> (message_digest IS NULL));
CREATE INDEX broker_recovery_messages_digest_idx ON broker_recovery_messages (message_digest)
    WHERE message_digest IS NOT NULL;

-- The copies of one message already held by several rows become one stored message.
INSERT INTO broker_stored_messages (digest, message)
SELECT sha256(convert_to(message::text, 'UTF8')), message
  FROM (SELECT message FROM broker_session_messages
        UNION ALL
        SELECT message FROM broker_recovery_messages) AS queued
 GROUP BY message
HAVING count(*) > 1;

UPDATE broker_session_messages s
   SET message_digest = d.digest, message = NULL
  FROM broker_stored_messages d
 WHERE sha256(convert_to(s.message::text, 'UTF8')) = d.digest;

UPDATE broker_recovery_messages r
   SET message_digest = d.digest, message = NULL
  FROM broker_stored_messages d
 WHERE sha256(convert_to(r.message::text, 'UTF8')) = d.digest;
