-- Positional topic level tokens for filters whose first wildcard comes early: "site/+/device/507/temp"
-- has only the prefix "site/" for the topic btree, so without this every row of the time range would be
-- read and matched against the regular expression. See docs/SCHEMA.md.

-- "site/7/device/507/temp" -> {0:site,1:7,2:device,3:507,4:temp}. The position before the first ':'
-- keeps "a/b" and "b/a" apart; a level may itself contain ':' since only the first one separates.
-- string_to_array keeps empty levels ("a//b" -> {0:a,1:,2:b}), as MQTT does.
CREATE FUNCTION topic_level_tokens(topic text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
        SELECT ARRAY(SELECT (t.n - 1) || ':' || t.level
                       FROM unnest(string_to_array(topic, '/')) WITH ORDINALITY AS t(level, n)
                      ORDER BY t.n)
    $$;

ALTER TABLE messages
    ADD COLUMN topic_tokens text[] GENERATED ALWAYS AS (topic_level_tokens(mqtt_topic)) STORED;

-- On the partitioned table, so every partition the partition manager creates gets it too.
CREATE INDEX messages_topic_tokens_idx ON messages USING gin (topic_tokens);
