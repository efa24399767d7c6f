-- Sealing the audit trail with a key the database never holds (docs/security.md, "The audit trail").
--
-- The hash chain alone shows an entry changed by someone who did not recompute the hashes; anyone
-- who can write the tables (the owner, a DBA) can recompute them. So:
--   audit_event.mac  HMAC-SHA256(key, canonical JSON of the entry), made by the application before
--                    the entry reaches the database: an entry written other than through Jigsaw
--                    (even through jigsaw_append_audit itself) has none that verifies.
--   audit_seal       HMAC-SHA256(key, seq, hash, at, accepted) of the chain's head now and then: the
--                    hash covers every entry before it, so a seal on entry N fixes entries 1..N and
--                    their order. Insert-only for the application (src/db/roles.ts).
-- The key is in the server's environment or a key file (JIGSAW_AUDIT_KEY, JIGSAW_AUDIT_KEY_FILE);
-- `jigsaw audit verify` recomputes both with it. Neither column is covered by the hash.
ALTER TABLE audit_event ADD COLUMN mac text;
COMMENT ON COLUMN audit_event.mac IS 'key id:HMAC-SHA256 of the entry''s canonical JSON, made by the application with a key the database never holds; NULL when no key was configured.';

CREATE TABLE audit_seal (
  id uuid PRIMARY KEY,
  seq bigint NOT NULL,
  hash text NOT NULL,
  at timestamptz NOT NULL,
  -- Entries broken only by the old upper-case-id defect that a person reviewed and accepted (jigsaw audit checkpoint).
  accepted jsonb NOT NULL DEFAULT '[]'::jsonb,
  mac text NOT NULL
);
CREATE INDEX audit_seal_seq ON audit_seal (seq);
COMMENT ON TABLE audit_seal IS 'Keyed seals of the audit chain''s head (seq, hash): written by the server and by jigsaw audit checkpoint; checked by jigsaw audit verify.';
CREATE TRIGGER audit_seal_no_update BEFORE UPDATE OR DELETE ON audit_seal
  FOR EACH ROW EXECUTE FUNCTION audit_event_is_append_only();
CREATE TRIGGER audit_seal_no_truncate BEFORE TRUNCATE ON audit_seal
  FOR EACH STATEMENT EXECUTE FUNCTION audit_event_is_append_only();

-- The append functions now take the entry's MAC, and run as their owner (SECURITY DEFINER): the
-- application's role may only read the audit tables and call these, so it can neither move the
-- head nor write an entry the function did not number and link. search_path is fixed at creation
-- so a caller cannot point the function at tables of their own.
DROP FUNCTION jigsaw_add_record(uuid, uuid, uuid, boolean, uuid, timestamptz, text, timestamptz, text[], text, text, jsonb, boolean, text[], text, text, text, text,
  uuid, timestamptz, uuid, uuid, text, text, uuid, uuid, text, text, jsonb, text);
DROP FUNCTION jigsaw_append_audit(uuid, timestamptz, uuid, uuid, text, text, uuid, uuid, text, text, jsonb, text);

CREATE FUNCTION jigsaw_append_audit(
  p_id uuid, p_at timestamptz, p_actor_practitioner_id uuid, p_actor_agency_id uuid, p_action text,
  p_entity_type text, p_entity_id uuid, p_person_id uuid, p_purpose text, p_outcome text, p_detail jsonb,
  p_canonical text, p_mac text
) RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  new_seq bigint;
  last_hash text;
  new_hash text;
BEGIN
  UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash INTO new_seq, last_hash;
  IF NOT FOUND THEN
    INSERT INTO audit_head (id, seq, hash)
      SELECT 1, coalesce(max(seq), 0), coalesce((SELECT hash FROM audit_event ORDER BY seq DESC LIMIT 1), repeat('0', 64)) FROM audit_event
      ON CONFLICT (id) DO NOTHING;
    UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash INTO new_seq, last_hash;
  END IF;
  new_hash := encode(sha256(convert_to(last_hash || new_seq::text || p_canonical, 'UTF8')), 'hex');
  INSERT INTO audit_event (seq, id, at, actor_practitioner_id, actor_agency_id, action, entity_type, entity_id, person_id,
                           purpose, outcome, detail, prev_hash, hash, mac)
  VALUES (new_seq, p_id, p_at, p_actor_practitioner_id, p_actor_agency_id, p_action, p_entity_type, p_entity_id, p_person_id,
          p_purpose, p_outcome, p_detail, last_hash, new_hash, p_mac);
  UPDATE audit_head SET hash = new_hash WHERE id = 1;
  RETURN new_seq;
END;
$$;
COMMENT ON FUNCTION jigsaw_append_audit IS 'The only way entries are added to audit_event; see src/audit/audit.ts. Its MAC argument is made with the audit key, which the database never holds.';

CREATE OR REPLACE FUNCTION jigsaw_append_audit_many(p_entries jsonb) RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  cur_seq bigint;
  cur_hash text;
  first_seq bigint;
  e jsonb;
  prevs text[] := '{}';
  hashes text[] := '{}';
BEGIN
  SELECT seq, hash INTO cur_seq, cur_hash FROM audit_head WHERE id = 1 FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO audit_head (id, seq, hash)
      SELECT 1, coalesce(max(seq), 0), coalesce((SELECT hash FROM audit_event ORDER BY seq DESC LIMIT 1), repeat('0', 64)) FROM audit_event
      ON CONFLICT (id) DO NOTHING;
    SELECT seq, hash INTO cur_seq, cur_hash FROM audit_head WHERE id = 1 FOR UPDATE;
  END IF;
  first_seq := cur_seq + 1;
  FOR e IN SELECT value FROM jsonb_array_elements(p_entries) WITH ORDINALITY ORDER BY ordinality LOOP
    cur_seq := cur_seq + 1;
    prevs := prevs || cur_hash;
    cur_hash := encode(sha256(convert_to(cur_hash || cur_seq::text || (e->>11), 'UTF8')), 'hex');
    hashes := hashes || cur_hash;
  END LOOP;
  INSERT INTO audit_event (seq, id, at, actor_practitioner_id, actor_agency_id, action, entity_type, entity_id, person_id,
                           purpose, outcome, detail, prev_hash, hash, mac)
  SELECT first_seq + x.n - 1, (x.e->>0)::uuid, (x.e->>1)::timestamptz, (x.e->>2)::uuid, (x.e->>3)::uuid, x.e->>4, x.e->>5, (x.e->>6)::uuid, (x.e->>7)::uuid,
         x.e->>8, x.e->>9, (x.e->>10)::jsonb, prevs[x.n], hashes[x.n], x.e->>12
    FROM jsonb_array_elements(p_entries) WITH ORDINALITY AS x(e, n)
   ORDER BY x.n;
  UPDATE audit_head SET seq = cur_seq, hash = cur_hash WHERE id = 1;
  RETURN cur_seq;
END;
$$;

CREATE FUNCTION jigsaw_add_record(
  p_person uuid, p_id uuid, p_agency uuid, p_restricted boolean, p_author uuid, p_now timestamptz,
  p_kind text, p_occurred timestamptz, p_categories text[], p_fo text, p_rw text, p_source jsonb, p_confidential boolean,
  p_sensitive text[], p_summary text, p_details text, p_childs_words text, p_outcome text,
  a_id uuid, a_at timestamptz, a_pid uuid, a_aid uuid, a_action text, a_etype text, a_eid uuid, a_person uuid, a_purpose text, a_outcome text, a_detail jsonb, a_canonical text, a_mac text
) RETURNS TABLE (person_agency_id uuid, author_name text) LANGUAGE plpgsql AS $$
BEGIN
  SELECT agency_id INTO person_agency_id FROM person WHERE id = p_person;
  IF NOT FOUND THEN RETURN; END IF;
  SELECT name INTO author_name FROM practitioner WHERE id = p_author;
  IF person_agency_id = p_agency THEN
    INSERT INTO agency_record (id, person_id, agency_id, current_version, restricted, created_by, created_at) VALUES (p_id, p_person, p_agency, 1, p_restricted, p_author, p_now);
    INSERT INTO agency_record_version (record_id, version, kind, occurred_at, recorded_at, author_id, categories, fact_or_opinion, reported_or_witnessed, source, confidential, sensitive_categories, summary, details, childs_words, outcome)
      VALUES (p_id, 1, p_kind, p_occurred, p_now, p_author, p_categories, p_fo, p_rw, p_source, p_confidential, p_sensitive, p_summary, p_details, p_childs_words, p_outcome);
    PERFORM jigsaw_append_audit(a_id, a_at, a_pid, a_aid, a_action, a_etype, a_eid, a_person, a_purpose, a_outcome, a_detail, a_canonical, a_mac);
  END IF;
  RETURN NEXT;
END $$;
COMMENT ON FUNCTION jigsaw_add_record IS 'Used by addRecord in src/records/records.ts; inserts only when the person is in the writing agency''s index.';
