-- The shared subscription ($share/group/filter) a session's message came through, so that when
-- the node holding the session dies, the survivor that recovers it gives the message to another
-- member of the group instead of leaving it in the dead member's session (see docs/SCHEMA.md).
-- Null for messages of non-shared subscriptions and for rows stored before this column existed.
ALTER TABLE broker_session_messages ADD COLUMN shared_group text;
