-- The authenticated identity a persistent session belongs to (NULL: anonymous, or saved before this
-- column existed). After a restart only that identity may resume or take over the session.
ALTER TABLE broker_session_state ADD COLUMN owner text;
