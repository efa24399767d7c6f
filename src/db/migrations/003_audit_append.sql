-- Appending to the audit trail in one round trip, in constant time.
--
-- audit_head is a single row holding the newest entry's number and hash. Taking it FOR UPDATE
-- (implicitly, by updating it) serialises appends; reading it costs the same however long the
-- trail grows, and it lets `jigsaw audit verify` notice entries cut from the end of the trail.
--
-- The application sends the entry and its canonical JSON (every field but the sequence number);
-- jigsaw_append_audit numbers it, links it and stores it. `jigsaw audit verify` recomputes the
-- same hash in Node from the stored columns:
--   hash = SHA-256(prev_hash || seq || canonical JSON of the other fields)
CREATE TABLE audit_head (
  id integer PRIMARY KEY CHECK (id = 1),
  seq bigint NOT NULL,
  hash text NOT NULL
);
COMMENT ON TABLE audit_head IS 'The newest audit entry''s number and hash: the chain''s end, checked by audit verify.';
INSERT INTO audit_head (id, seq, hash)
  SELECT 1, coalesce(max(seq), 0), coalesce((SELECT hash FROM audit_event ORDER BY seq DESC LIMIT 1), repeat('0', 64)) FROM audit_event;

CREATE FUNCTION audit_head_only_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'UPDATE' OR NEW.seq < OLD.seq THEN
    RAISE EXCEPTION 'audit_head only moves forward';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER audit_head_forward BEFORE UPDATE OR DELETE ON audit_head FOR EACH ROW EXECUTE FUNCTION audit_head_only_forward();

CREATE FUNCTION jigsaw_append_audit(
  p_id uuid, p_at timestamptz, p_actor_practitioner_id uuid, p_actor_agency_id uuid, p_action text,
  p_entity_type text, p_entity_id uuid, p_person_id uuid, p_purpose text, p_outcome text, p_detail jsonb,
  p_canonical text
) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  new_seq bigint;
  last_hash text;
  new_hash text;
BEGIN
  UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash INTO new_seq, last_hash;
  IF NOT FOUND THEN
    -- Only after the head row was removed behind the application's back (or a test emptied the tables).
    INSERT INTO audit_head (id, seq, hash)
      SELECT 1, coalesce(max(seq), 0), coalesce((SELECT hash FROM audit_event ORDER BY seq DESC LIMIT 1), repeat('0', 64)) FROM audit_event
      ON CONFLICT (id) DO NOTHING;
    UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash INTO new_seq, last_hash;
  END IF;
  new_hash := encode(sha256(convert_to(last_hash || new_seq::text || p_canonical, 'UTF8')), 'hex');
  INSERT INTO audit_event (seq, id, at, actor_practitioner_id, actor_agency_id, action, entity_type, entity_id, person_id,
                           purpose, outcome, detail, prev_hash, hash)
  VALUES (new_seq, p_id, p_at, p_actor_practitioner_id, p_actor_agency_id, p_action, p_entity_type, p_entity_id, p_person_id,
          p_purpose, p_outcome, p_detail, last_hash, new_hash);
  UPDATE audit_head SET hash = new_hash WHERE id = 1;
  RETURN new_seq;
END;
$$;
COMMENT ON FUNCTION jigsaw_append_audit IS 'The only way entries are added to audit_event; see src/audit/audit.ts.';
