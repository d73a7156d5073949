-- Rivet fleet server schema 1: the devices' hash-chained journals, append-only, each row verified by rivet_fleet.push().
-- `rivet-sync init-server URL` runs this file in one transaction. Every statement is idempotent (IF NOT EXISTS,
-- CREATE OR REPLACE), so running it again on an older schema migrates it; rivet-sync refuses a newer schema.
--
-- Who may do what:
--   * the role that runs init-server owns the schema and its tables (an administrator);
--   * rivet_device (NOLOGIN; grant it to each headset's or site's login role) may only EXECUTE hello(), push() and
--     device_status():
--     it holds no table privilege at all, so rows reach the journal only through push(), which checks them;
--   * rivet_fleet_reader (NOLOGIN) may read every table (dashboards, `rivet-sync status --server`).
-- The journal and its projections are append-only: UPDATE, DELETE and TRUNCATE raise, whoever asks.

CREATE SCHEMA IF NOT EXISTS rivet_fleet;

DO $roles$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'rivet_device') THEN
    CREATE ROLE rivet_device NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'rivet_fleet_reader') THEN
    CREATE ROLE rivet_fleet_reader NOLOGIN;
  END IF;
END
$roles$;

CREATE TABLE IF NOT EXISTS rivet_fleet.meta(key text PRIMARY KEY, value text NOT NULL);
INSERT INTO rivet_fleet.meta(key, value) VALUES ('fleet_id', pg_catalog.gen_random_uuid()::text) ON CONFLICT DO NOTHING;
INSERT INTO rivet_fleet.meta(key, value) VALUES ('schema', '1') ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;

-- One row per device (a records database): who registered it, what it says it is, how far its journal is stored.
CREATE TABLE IF NOT EXISTS rivet_fleet.devices(
  device_id uuid PRIMARY KEY,
  owner_role name NOT NULL,                 -- the login role that registered it; only that role may push for it
  name text NOT NULL DEFAULT '',
  site text NOT NULL DEFAULT '',
  app_version text NOT NULL DEFAULT '',
  head_seq bigint NOT NULL DEFAULT 0,       -- last device sequence stored (the device's acknowledged mark)
  head_hash text NOT NULL DEFAULT '0000000000000000000000000000000000000000000000000000000000000000',
  first_seen timestamptz NOT NULL DEFAULT now(),
  last_seen timestamptz,
  last_push timestamptz,
  flagged_at timestamptz,                   -- set when a push was refused by the chain check; cleared by an admin
  flag_reason text);

-- The devices' journals, exactly as hashed on the device. (device_id, device_seq) is the key: a device is the only
-- writer of its own sequence, so two devices can never write the same key.
CREATE TABLE IF NOT EXISTS rivet_fleet.journal(
  device_id uuid NOT NULL,                  -- a devices row (push() holds its lock; no per-row foreign-key check)
  device_seq bigint NOT NULL CHECK (device_seq > 0),
  kind text NOT NULL,
  session_id bigint,
  client_id text,
  time_ns bigint NOT NULL,
  "user" text,
  step_id text,
  event_type text,
  outcome text,
  to_step text,
  value_text text,                          -- the value as hashed on the device (%.17g)
  value double precision,                   -- the same value as a number, for queries
  unit text,
  payload text NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (device_id, device_seq));
CREATE INDEX IF NOT EXISTS journal_session ON rivet_fleet.journal(device_id, session_id) WHERE session_id IS NOT NULL;

-- Projections of journal rows, written by push() in the same transaction as the row they come from.
CREATE TABLE IF NOT EXISTS rivet_fleet.users(
  device_id uuid NOT NULL REFERENCES rivet_fleet.devices(device_id),
  name text NOT NULL,
  role text NOT NULL,
  added_ns bigint NOT NULL,
  device_seq bigint NOT NULL,
  PRIMARY KEY (device_id, name));
CREATE TABLE IF NOT EXISTS rivet_fleet.sessions(
  device_id uuid NOT NULL REFERENCES rivet_fleet.devices(device_id),
  session_id bigint NOT NULL,
  "user" text NOT NULL,
  procedure_id text NOT NULL,
  procedure_version text NOT NULL,
  pack_hash text NOT NULL,
  asset_id text NOT NULL,
  work_order text NOT NULL,
  mode text NOT NULL,
  faults text NOT NULL,
  start_ns bigint NOT NULL,
  device_seq bigint NOT NULL,
  PRIMARY KEY (device_id, session_id));
CREATE TABLE IF NOT EXISTS rivet_fleet.training(
  device_id uuid NOT NULL REFERENCES rivet_fleet.devices(device_id),
  session_id bigint NOT NULL,
  "user" text,
  procedure_id text,
  time_ns bigint NOT NULL,
  score double precision,
  passed boolean,
  errors integer,
  wrong_answers integer,
  gate_attempts integer,
  hints integer,
  total_ms bigint,
  device_seq bigint NOT NULL,
  PRIMARY KEY (device_id, session_id));
-- Every flag and every clearing, oldest first (append-only history; devices.flagged_at is the current state).
CREATE TABLE IF NOT EXISTS rivet_fleet.device_flags(
  id bigserial PRIMARY KEY,
  device_id uuid NOT NULL REFERENCES rivet_fleet.devices(device_id),
  at timestamptz NOT NULL DEFAULT now(),
  action text NOT NULL CHECK (action IN ('flagged', 'cleared')),
  device_seq bigint,
  reason text NOT NULL,
  by_role name NOT NULL);
-- The content packs each device is pinned to, as it reported them at its last sync (replaced at each hello()).
CREATE TABLE IF NOT EXISTS rivet_fleet.device_pins(
  device_id uuid NOT NULL REFERENCES rivet_fleet.devices(device_id),
  pack_id text NOT NULL,
  version text NOT NULL,
  key_fingerprint text NOT NULL,
  pinned_ns bigint NOT NULL,
  reported_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (device_id, pack_id));

-- Sessions with their end (a session_end journal row), for reports.
CREATE OR REPLACE VIEW rivet_fleet.session_status AS
  SELECT s.*, d.name AS device_name, d.site,
         e.outcome AS status, e.time_ns AS end_ns
  FROM rivet_fleet.sessions s
  JOIN rivet_fleet.devices d USING (device_id)
  LEFT JOIN LATERAL (SELECT j.outcome, j.time_ns FROM rivet_fleet.journal j
                     WHERE j.device_id = s.device_id AND j.session_id = s.session_id AND j.kind = 'session_end'
                     ORDER BY j.device_seq DESC LIMIT 1) e ON true;

-- Append-only: no UPDATE, DELETE or TRUNCATE of journal rows or their projections, whoever asks.
CREATE OR REPLACE FUNCTION rivet_fleet.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'rivet_fleet.% is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'journal rows are evidence; flag a device (rivet_fleet.device_flags) instead of changing its rows';
END
$fn$;
DO $triggers$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['journal', 'users', 'sessions', 'training', 'device_flags'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger WHERE tgname = t || '_append_only'
                   AND tgrelid = ('rivet_fleet.' || t)::regclass) THEN
      EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON rivet_fleet.%I FOR EACH ROW '
                     'EXECUTE FUNCTION rivet_fleet.refuse_change()', t || '_append_only', t);
      EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON rivet_fleet.%I FOR EACH STATEMENT '
                     'EXECUTE FUNCTION rivet_fleet.refuse_change()', t || '_no_truncate', t);
    END IF;
  END LOOP;
END
$triggers$;

-- The SHA-256 (hex) of a journal row, computed as the device computes it (records::JournalRow::canonical): each
-- field as its length in bytes, ':', its bytes; NULL as '-1:'. One expression of text operators only, and STABLE
-- like convert_to(), so that the planner inlines it: three times faster per row than a function call.
CREATE OR REPLACE FUNCTION rivet_fleet.row_hash(seq bigint, kind text, session_id bigint, client_id text, time_ns bigint,
                                                usr text, step_id text, event_type text, outcome text, to_step text,
                                                value_text text, unit text, payload text, prev_hash text)
RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(
    coalesce(pg_catalog.octet_length(seq::text)::text || ':' || seq::text, '-1:') ||
    coalesce(pg_catalog.octet_length(kind)::text || ':' || kind, '-1:') ||
    coalesce(pg_catalog.octet_length(session_id::text)::text || ':' || session_id::text, '-1:') ||
    coalesce(pg_catalog.octet_length(client_id)::text || ':' || client_id, '-1:') ||
    coalesce(pg_catalog.octet_length(time_ns::text)::text || ':' || time_ns::text, '-1:') ||
    coalesce(pg_catalog.octet_length(usr)::text || ':' || usr, '-1:') ||
    coalesce(pg_catalog.octet_length(step_id)::text || ':' || step_id, '-1:') ||
    coalesce(pg_catalog.octet_length(event_type)::text || ':' || event_type, '-1:') ||
    coalesce(pg_catalog.octet_length(outcome)::text || ':' || outcome, '-1:') ||
    coalesce(pg_catalog.octet_length(to_step)::text || ':' || to_step, '-1:') ||
    coalesce(pg_catalog.octet_length(value_text)::text || ':' || value_text, '-1:') ||
    coalesce(pg_catalog.octet_length(unit)::text || ':' || unit, '-1:') ||
    coalesce(pg_catalog.octet_length(payload)::text || ':' || payload, '-1:') ||
    coalesce(pg_catalog.octet_length(prev_hash)::text || ':' || prev_hash, '-1:'), 'UTF8')), 'hex')
$fn$;

-- JSON text to jsonb, NULL when it is not JSON (a projection never aborts a push).
CREATE OR REPLACE FUNCTION rivet_fleet.try_jsonb(t text) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $fn$
BEGIN
  RETURN t::jsonb;
EXCEPTION WHEN others THEN
  RETURN NULL;
END
$fn$;

-- A %.17g number as float8 (NULL when it is not a number PostgreSQL reads): plain numbers without a
-- subtransaction, anything else ("inf", "-nan", garbage) through one that turns a failed cast into NULL.
CREATE OR REPLACE FUNCTION rivet_fleet.try_float8_slow(t text) RETURNS double precision LANGUAGE plpgsql IMMUTABLE AS $fn$
BEGIN
  RETURN t::double precision;
EXCEPTION WHEN others THEN
  RETURN NULL;
END
$fn$;
CREATE OR REPLACE FUNCTION rivet_fleet.try_float8(t text) RETURNS double precision LANGUAGE sql IMMUTABLE AS $fn$
  SELECT CASE WHEN t IS NULL THEN NULL
              WHEN t ~ '^-?[0-9]+(\.[0-9]+)?(e[-+][0-9]{2,3})?$' AND pg_catalog.length(t) < 40
                   AND coalesce(pg_catalog.substring(t, 'e[-+]([0-9]+)$')::integer, 0) < 300 THEN t::double precision
              ELSE rivet_fleet.try_float8_slow(t) END
$fn$;

-- A device says hello: registers it (bound to the calling login role), records its name, site, app version and pack
-- pins, and returns the fleet id and how far the server holds its journal, so the device resumes from there.
CREATE OR REPLACE FUNCTION rivet_fleet.hello(p_device uuid, p_name text, p_site text, p_app_version text, p_pins jsonb)
RETURNS TABLE(fleet_id text, head_seq bigint, head_hash text, flag_reason text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  d rivet_fleet.devices%ROWTYPE;
BEGIN
  INSERT INTO rivet_fleet.devices(device_id, owner_role) VALUES (p_device, session_user) ON CONFLICT DO NOTHING;
  SELECT * INTO d FROM rivet_fleet.devices WHERE device_id = p_device FOR UPDATE;
  IF d.owner_role <> session_user THEN
    RAISE EXCEPTION 'device % is registered to database role "%", not "%"', p_device, d.owner_role, session_user
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'each device syncs with the login role that registered it; check the user in the server URL';
  END IF;
  UPDATE rivet_fleet.devices SET name = coalesce(p_name, ''), site = coalesce(p_site, ''),
         app_version = coalesce(p_app_version, ''), last_seen = now()
   WHERE device_id = p_device;
  DELETE FROM rivet_fleet.device_pins WHERE device_id = p_device;
  INSERT INTO rivet_fleet.device_pins(device_id, pack_id, version, key_fingerprint, pinned_ns)
    SELECT p_device, x.pack_id, x.version, x.key_fingerprint, x.pinned_ns
    FROM jsonb_to_recordset(coalesce(p_pins, '[]'::jsonb)) AS x(pack_id text, version text, key_fingerprint text,
                                                                pinned_ns bigint);
  RETURN QUERY SELECT (SELECT m.value FROM rivet_fleet.meta m WHERE m.key = 'fleet_id'), d.head_seq, d.head_hash,
                      d.flag_reason;
END
$fn$;

-- A batch of journal rows as sent by a device (a JSON array of objects), one record per row.
CREATE OR REPLACE FUNCTION rivet_fleet.batch_rows(p_rows jsonb)
RETURNS TABLE(seq bigint, kind text, session_id bigint, client_id text, time_ns bigint, usr text, step_id text,
              event_type text, outcome text, to_step text, value_text text, unit text, payload text, prev_hash text,
              hash text)
LANGUAGE sql STABLE AS $fn$
  SELECT x.seq, x.kind, x.session_id, x.client_id, x.time_ns, x."user", x.step_id, x.event_type, x.outcome, x.to_step,
         x.value, x.unit, x.payload, x.prev_hash, x.hash
  FROM pg_catalog.jsonb_to_recordset(p_rows) AS x(seq bigint, kind text, session_id bigint, client_id text,
       time_ns bigint, "user" text, step_id text, event_type text, outcome text, to_step text, value text, unit text,
       payload text, prev_hash text, hash text)
$fn$;

-- Stores a batch of a device's journal rows (a JSON array), each exactly once:
--   * a row the server already holds with the same hash is skipped (a re-push after a lost acknowledgement);
--   * a new row must be the next in the device's sequence (no gap), chain on the previous row's hash, and hash to
--     the hash it carries. The first row that does not is refused with the reason, the device is flagged, and the
--     rows before it are kept. Nothing raises for a refusal, so the flag commits with them.
-- The checks run over the batch in sequence order (hashes computed set-wise), the rare rows that carry users,
-- sessions and training results are projected into their tables on the way, then the accepted rows are inserted in
-- one statement, all in the caller's transaction.
-- Returns the device's new head and counts; `refused` is NULL when the whole batch was accepted.
CREATE OR REPLACE FUNCTION rivet_fleet.push(p_device uuid, p_rows jsonb)
RETURNS TABLE(head_seq bigint, head_hash text, accepted integer, duplicates integer, refused text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  d rivet_fleet.devices%ROWTYPE;
  r record;
  p jsonb;
  expect bigint;
  prev text;
  stored text;
  why text := NULL;
  bad_seq bigint := NULL;
  n_dup integer := 0;
BEGIN
  SELECT * INTO d FROM rivet_fleet.devices WHERE device_id = p_device FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'device % is not registered on this server', p_device
      USING ERRCODE = 'no_data_found', HINT = 'call rivet_fleet.hello() first (rivet-sync does)';
  END IF;
  IF d.owner_role <> session_user THEN
    RAISE EXCEPTION 'device % is registered to database role "%", not "%"', p_device, d.owner_role, session_user
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'each device syncs with the login role that registered it; check the user in the server URL';
  END IF;
  IF jsonb_typeof(p_rows) IS DISTINCT FROM 'array' THEN
    RAISE EXCEPTION 'push expects a JSON array of journal rows' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  expect := d.head_seq + 1;
  prev := d.head_hash;
  FOR r IN
    SELECT x.*,
           rivet_fleet.row_hash(x.seq, x.kind, x.session_id, x.client_id, x.time_ns, x.usr, x.step_id, x.event_type,
                                x.outcome, x.to_step, x.value_text, x.unit, x.payload, x.prev_hash) AS computed
    FROM rivet_fleet.batch_rows(p_rows) x
    ORDER BY x.seq
  LOOP
    bad_seq := r.seq;
    IF r.seq IS NULL OR r.seq < 1 OR r.kind IS NULL OR r.time_ns IS NULL OR r.payload IS NULL OR r.hash IS NULL
       OR r.prev_hash IS NULL THEN
      why := format('row %s is incomplete (sequence, kind, time, payload and hashes are required)',
                    coalesce(r.seq::text, '?'));
      EXIT;
    END IF;
    IF r.seq < expect THEN
      SELECT j.hash INTO stored FROM rivet_fleet.journal j WHERE j.device_id = p_device AND j.device_seq = r.seq;
      IF stored IS DISTINCT FROM r.hash THEN
        why := format('row %s differs from the row %s the server already holds (hash %s, sent %s): the device''s '
                      'journal was edited or replaced after it was synced', r.seq, r.seq, left(stored, 12),
                      left(r.hash, 12));
        EXIT;
      END IF;
      n_dup := n_dup + 1;
      CONTINUE;
    END IF;
    IF r.seq > expect THEN
      why := format('gap in the device sequence: row %s was sent but the server expects row %s next '
                    '(rows %s-%s are missing)', r.seq, expect, expect, r.seq - 1);
      EXIT;
    END IF;
    IF r.prev_hash <> prev THEN
      why := format('row %s does not chain: its previous hash %s is not the hash %s of row %s (a row was '
                    'deleted, inserted or reordered)', r.seq, left(r.prev_hash, 12), left(prev, 12), r.seq - 1);
      EXIT;
    END IF;
    IF r.computed <> r.hash THEN
      why := format('row %s (%s): its content does not match its hash (the row was altered)', r.seq, r.kind);
      EXIT;
    END IF;
    -- Projections of the few rows that carry users, sessions and training results.
    IF r.kind = 'user_added' THEN
      p := rivet_fleet.try_jsonb(r.payload);
      INSERT INTO rivet_fleet.users(device_id, name, role, added_ns, device_seq)
      VALUES (p_device, coalesce(p->>'user', r.usr, ''), coalesce(p->>'role', ''), r.time_ns, r.seq)
      ON CONFLICT DO NOTHING;
    ELSIF r.kind = 'session_start' AND r.session_id IS NOT NULL THEN
      p := rivet_fleet.try_jsonb(r.payload);
      INSERT INTO rivet_fleet.sessions(device_id, session_id, "user", procedure_id, procedure_version, pack_hash,
                                       asset_id, work_order, mode, faults, start_ns, device_seq)
      VALUES (p_device, r.session_id, coalesce(p->>'user', r.usr, ''), coalesce(p->>'procedure_id', ''),
              coalesce(p->>'procedure_version', ''), coalesce(p->>'pack_hash', ''), coalesce(p->>'asset_id', ''),
              coalesce(p->>'work_order', ''), coalesce(p->>'mode', ''), coalesce(p->>'faults', ''), r.time_ns, r.seq)
      ON CONFLICT DO NOTHING;
    ELSIF r.kind = 'training_result' AND r.session_id IS NOT NULL THEN
      p := rivet_fleet.try_jsonb(r.payload);
      INSERT INTO rivet_fleet.training(device_id, session_id, "user", procedure_id, time_ns, score, passed, errors,
                                       wrong_answers, gate_attempts, hints, total_ms, device_seq)
      VALUES (p_device, r.session_id, r.usr,
              (SELECT s.procedure_id FROM rivet_fleet.sessions s
                WHERE s.device_id = p_device AND s.session_id = r.session_id),
              r.time_ns, rivet_fleet.try_float8(p->>'score'), (p->>'passed') = 'true',
              rivet_fleet.try_float8(p->>'errors')::integer, rivet_fleet.try_float8(p->>'wrong_answers')::integer,
              rivet_fleet.try_float8(p->>'gate_attempts')::integer, rivet_fleet.try_float8(p->>'hints')::integer,
              rivet_fleet.try_float8(p->>'total_ms')::bigint, r.seq)
      ON CONFLICT DO NOTHING;
    END IF;
    expect := r.seq + 1;
    prev := r.hash;
  END LOOP;

  IF expect - 1 > d.head_seq THEN  -- rows head_seq+1 .. expect-1 passed every check: stored in one statement
    INSERT INTO rivet_fleet.journal(device_id, device_seq, kind, session_id, client_id, time_ns, "user", step_id,
                                    event_type, outcome, to_step, value_text, value, unit, payload, prev_hash, hash)
    SELECT p_device, x.seq, x.kind, x.session_id, x.client_id, x.time_ns, x.usr, x.step_id, x.event_type, x.outcome,
           x.to_step, x.value_text, rivet_fleet.try_float8(x.value_text), x.unit, x.payload, x.prev_hash, x.hash
    FROM rivet_fleet.batch_rows(p_rows) x
    WHERE x.seq > d.head_seq AND x.seq < expect;
    UPDATE rivet_fleet.devices SET head_seq = expect - 1, head_hash = prev WHERE device_id = p_device;
  END IF;
  UPDATE rivet_fleet.devices SET last_push = now(), last_seen = now() WHERE device_id = p_device;
  IF why IS NOT NULL THEN
    UPDATE rivet_fleet.devices SET flagged_at = now(), flag_reason = why WHERE device_id = p_device;
    INSERT INTO rivet_fleet.device_flags(device_id, action, device_seq, reason, by_role)
    VALUES (p_device, 'flagged', bad_seq, why, session_user);
  END IF;
  RETURN QUERY SELECT expect - 1, prev, (expect - 1 - d.head_seq)::integer, n_dup, why;
END
$fn$;

-- A device asks how far the server holds its journal, without registering or updating anything (rivet-sync status).
-- Only the role that registered the device gets an answer.
CREATE OR REPLACE FUNCTION rivet_fleet.device_status(p_device uuid)
RETURNS TABLE(fleet_id text, head_seq bigint, head_hash text, flag_reason text, last_push timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT (SELECT m.value FROM rivet_fleet.meta m WHERE m.key = 'fleet_id'), d.head_seq, d.head_hash, d.flag_reason,
         d.last_push
  FROM rivet_fleet.devices d
  WHERE d.device_id = p_device AND d.owner_role = session_user
$fn$;

-- An administrator clears a device's flag after looking into it (the history keeps both).
CREATE OR REPLACE FUNCTION rivet_fleet.clear_flag(p_device uuid, p_reason text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  UPDATE rivet_fleet.devices SET flagged_at = NULL, flag_reason = NULL WHERE device_id = p_device;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no device % on this server', p_device USING ERRCODE = 'no_data_found';
  END IF;
  INSERT INTO rivet_fleet.device_flags(device_id, action, reason, by_role)
  VALUES (p_device, 'cleared', coalesce(p_reason, ''), session_user);
END
$fn$;

-- Privileges: nothing for PUBLIC; devices only call hello() and push(); readers read.
REVOKE ALL ON SCHEMA rivet_fleet FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA rivet_fleet FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA rivet_fleet FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA rivet_fleet FROM PUBLIC;
GRANT USAGE ON SCHEMA rivet_fleet TO rivet_device, rivet_fleet_reader;
GRANT EXECUTE ON FUNCTION rivet_fleet.hello(uuid, text, text, text, jsonb) TO rivet_device;
GRANT EXECUTE ON FUNCTION rivet_fleet.push(uuid, jsonb) TO rivet_device;
GRANT EXECUTE ON FUNCTION rivet_fleet.device_status(uuid) TO rivet_device, rivet_fleet_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA rivet_fleet TO rivet_fleet_reader;
