-- The history writer now computes topic_tokens itself (TopicTokens, the same rule as
-- topic_level_tokens): as a generated column PostgreSQL ran the SQL function (a sub-select that cannot
-- be inlined) once per row, about 4 us of the ~14 us a row cost on the write path (docs/BENCHMARKS.md).
-- No trigger fills it instead: a BEFORE ROW trigger would turn off COPY's multi-row inserts. Whoever
-- inserts into messages other than the writer fills it with topic_level_tokens(mqtt_topic)
-- (docs/SCHEMA.md); existing rows keep their values.
ALTER TABLE messages ALTER COLUMN topic_tokens DROP EXPRESSION;
