-- Custom migration (reviewed by hand): the event log is immutable.
-- A trigger, not a permission, so that even the table owner (the service's own role)
-- cannot rewrite history; TRUNCATE is refused too. Rebuilds read the log, never edit it.
CREATE OR REPLACE FUNCTION l01_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'events is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'restrict_violation';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER events_no_update_delete
  BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION l01_events_append_only();
--> statement-breakpoint
CREATE TRIGGER events_no_truncate
  BEFORE TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION l01_events_append_only();
