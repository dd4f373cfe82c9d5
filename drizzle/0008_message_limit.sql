-- Custom migration (reviewed by hand): the message limit, enforced where events are written.
-- Every statement of the write path (src/db/write.ts: creates, updates, deletes, appended
-- events) passes each event's payload through this function before inserting it. An event
-- whose message could exceed the limit fails the whole statement, so nothing of the change is
-- written (entity row, events, outbox rows) and the event that could never be published never
-- exists. The message is the payload and metadata as the relay sends them (`::text`, what it
-- splices into the message unparsed) plus the envelope, whose worst case the writer computes
-- from src/wire (message and legacy shape) and passes as `envelope`.
-- SQLSTATE L0413 (a class of our own) carries "<message bytes> <limit>" as its DETAIL; the API
-- answers 413 (src/api/problems.ts). IMMUTABLE: the answer depends on the arguments alone.
CREATE OR REPLACE FUNCTION l01_publishable(payload jsonb, metadata jsonb, envelope integer, max_bytes integer) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  bytes bigint := octet_length(payload::text)::bigint + octet_length(metadata::text) + envelope;
BEGIN
  IF bytes > max_bytes THEN
    RAISE EXCEPTION 'event message of % bytes exceeds the limit of % bytes', bytes, max_bytes
      USING ERRCODE = 'L0413', DETAIL = bytes || ' ' || max_bytes;
  END IF;
  RETURN payload;
END;
$$;
