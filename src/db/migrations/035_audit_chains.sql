-- Issue 21, item 4: the audit trail is not the one lock every write in the partnership waits for.
--
-- Until now every append took the single audit_head row and held it until its transaction
-- committed (WAL flush included), so all writing transactions queued on it. The trail is now 16
-- chains. An append takes the first chain's head that no other transaction holds (SKIP LOCKED),
-- and every later append of the same transaction goes to that same chain: uncontended, everything
-- stays on chain 0, as before; under load, concurrent transactions spread over the chains instead
-- of queueing. Each chain is linked and gap-free in its own right:
--   audit_event.chain, .pos   the chain and the entry's position in it (1, 2, 3 … with no gap)
--   audit_event.seq           the global order for display and export, from a sequence taken under
--                             the chain's lock (so it rises along each chain); it may have gaps (a
--                             rolled-back transaction uses numbers), which no longer mean anything:
--                             the positions are the deletion evidence.
--   hash = SHA-256(prev_hash || seq || [':' || chain || ':' || pos] || canonical JSON)
-- The bracketed part is left out when chain = 0 and pos = seq: then it adds nothing, and the entries
-- written before this migration (all chain 0, pos = seq) keep their hashes, so they and the seals
-- and checkpoints made of them still verify. Whether it is present is fixed by the stored columns,
-- and the hash covers them, so moving an entry to another chain or position reads as altered.
-- Seals and checkpoints now sign every chain's head at once (audit_seal.heads; src/audit/checkpoint.ts).

-- The existing entries become the start of chain 0. Rewriting them needs the append-only guard off
-- for this one statement (migrations run as the tables' owner).
ALTER TABLE audit_event ADD COLUMN chain smallint NOT NULL DEFAULT 0, ADD COLUMN pos bigint;
ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update;
UPDATE audit_event SET pos = seq;
ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_update;
ALTER TABLE audit_event ALTER COLUMN pos SET NOT NULL, ALTER COLUMN chain DROP DEFAULT;
ALTER TABLE audit_event ADD CONSTRAINT audit_event_chain_range CHECK (chain >= 0 AND chain < 16);
-- Finds an entry by its place in its chain (seals, checkpoints) and each chain's newest (the sealer).
CREATE UNIQUE INDEX audit_event_chain_pos ON audit_event (chain, pos);
COMMENT ON COLUMN audit_event.seq IS 'The global order (display, export, paging): rises along each chain; may have gaps since migration 035.';
COMMENT ON COLUMN audit_event.chain IS 'Which of the 16 chains the entry is linked in (migration 035).';
COMMENT ON COLUMN audit_event.pos IS 'The entry''s position in its chain: gap-free, so a deleted entry shows as a missing position.';

-- One head row per chain.
ALTER TABLE audit_head DROP CONSTRAINT audit_head_id_check;
ALTER TABLE audit_head RENAME COLUMN id TO chain;
ALTER TABLE audit_head ADD COLUMN pos bigint NOT NULL DEFAULT 0;
UPDATE audit_head SET chain = 0, pos = seq WHERE chain = 1;
ALTER TABLE audit_head ADD CONSTRAINT audit_head_chain_range CHECK (chain >= 0 AND chain < 16);
INSERT INTO audit_head (chain, seq, pos, hash) SELECT g, 0, 0, repeat('0', 64) FROM generate_series(0, 15) g ON CONFLICT (chain) DO NOTHING;
COMMENT ON TABLE audit_head IS 'Each chain''s newest entry: its position, number and hash (the chain''s end, checked by audit verify); locking a row is holding that chain.';

CREATE OR REPLACE FUNCTION audit_head_only_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'UPDATE' OR NEW.chain <> OLD.chain OR NEW.seq < OLD.seq OR NEW.pos < OLD.pos THEN
    RAISE EXCEPTION 'audit_head only moves forward';
  END IF;
  RETURN NEW;
END;
$$;

CREATE SEQUENCE audit_event_seq AS bigint;
SELECT setval('audit_event_seq', greatest(m, 1), m > 0)
  FROM (SELECT greatest((SELECT coalesce(max(seq), 0) FROM audit_event), (SELECT coalesce(max(seq), 0) FROM audit_head)) AS m) x;

-- Only after the head rows were removed behind the application's back (or a test emptied the
-- tables): each chain's head again from its newest entry, and numbering from 1 when the trail is empty.
CREATE FUNCTION jigsaw_audit_restore_heads() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit_head (chain, seq, pos, hash)
  SELECT g, coalesce(e.seq, 0), coalesce(e.pos, 0), coalesce(e.hash, repeat('0', 64))
    FROM generate_series(0, 15) g
    LEFT JOIN LATERAL (SELECT seq, pos, hash FROM audit_event WHERE chain = g ORDER BY pos DESC LIMIT 1) e ON true
  ON CONFLICT (chain) DO NOTHING;
  IF NOT EXISTS (SELECT 1 FROM audit_event) THEN
    PERFORM setval('audit_event_seq', 1, false);
  END IF;
END;
$$;

-- Takes a chain for this transaction and returns its head. The chain this transaction already holds
-- if any (a transaction's entries stay on one chain, and it never waits for a second one while
-- holding the first, so appends cannot deadlock); else the first one no other transaction holds;
-- else, every chain being busy, it waits for one, chosen by connection so waiters spread out.
CREATE FUNCTION jigsaw_audit_take_chain(OUT o_chain integer, OUT o_pos bigint, OUT o_hash text) LANGUAGE plpgsql AS $$
DECLARE
  held text := current_setting('jigsaw.audit_chain', true);
BEGIN
  IF held IS NOT NULL AND held <> '' THEN
    SELECT chain, pos, hash INTO o_chain, o_pos, o_hash FROM audit_head WHERE chain = held::integer FOR UPDATE;
    IF FOUND THEN RETURN; END IF;
  END IF;
  SELECT chain, pos, hash INTO o_chain, o_pos, o_hash FROM audit_head ORDER BY chain LIMIT 1 FOR UPDATE SKIP LOCKED;
  IF NOT FOUND AND NOT EXISTS (SELECT 1 FROM audit_head) THEN
    PERFORM jigsaw_audit_restore_heads();
    SELECT chain, pos, hash INTO o_chain, o_pos, o_hash FROM audit_head ORDER BY chain LIMIT 1 FOR UPDATE SKIP LOCKED;
  END IF;
  IF NOT FOUND THEN
    SELECT chain, pos, hash INTO o_chain, o_pos, o_hash FROM audit_head WHERE chain = pg_backend_pid() % 16 FOR UPDATE;
  END IF;
  -- Transaction-local: forgotten at commit or rollback, as the row lock is.
  PERFORM set_config('jigsaw.audit_chain', o_chain::text, true);
END;
$$;

CREATE OR REPLACE FUNCTION jigsaw_append_audit(
  p_id uuid, p_at timestamptz, p_actor_practitioner_id uuid, p_actor_agency_id uuid, p_action text,
  p_entity_type text, p_entity_id uuid, p_person_id uuid, p_purpose text, p_outcome text, p_detail jsonb,
  p_canonical text, p_mac text
) RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  c integer;
  p bigint;
  last_hash text;
  s bigint;
  new_hash text;
BEGIN
  SELECT o_chain, o_pos, o_hash INTO c, p, last_hash FROM jigsaw_audit_take_chain();
  s := nextval('audit_event_seq');
  p := p + 1;
  new_hash := encode(sha256(convert_to(last_hash || s::text || CASE WHEN c = 0 AND p = s THEN '' ELSE ':' || c::text || ':' || p::text END || p_canonical, 'UTF8')), 'hex');
  INSERT INTO audit_event (seq, chain, pos, id, at, actor_practitioner_id, actor_agency_id, action, entity_type, entity_id, person_id,
                           purpose, outcome, detail, prev_hash, hash, mac)
  VALUES (s, c, p, p_id, p_at, p_actor_practitioner_id, p_actor_agency_id, p_action, p_entity_type, p_entity_id, p_person_id,
          p_purpose, p_outcome, p_detail, last_hash, new_hash, p_mac);
  UPDATE audit_head SET seq = s, pos = p, hash = new_hash WHERE chain = c;
  RETURN s;
END;
$$;

-- The bulk form: the same chain for the whole batch, one INSERT, the head moved once.
CREATE OR REPLACE FUNCTION jigsaw_append_audit_many(p_entries jsonb) RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  c integer;
  cur_pos bigint;
  cur_hash text;
  s bigint;
  e jsonb;
  seqs bigint[] := '{}';
  prevs text[] := '{}';
  hashes text[] := '{}';
  first_pos bigint;
BEGIN
  IF jsonb_array_length(p_entries) = 0 THEN
    RETURN (SELECT coalesce(max(seq), 0) FROM audit_head);
  END IF;
  SELECT o_chain, o_pos, o_hash INTO c, cur_pos, cur_hash FROM jigsaw_audit_take_chain();
  first_pos := cur_pos + 1;
  FOR e IN SELECT value FROM jsonb_array_elements(p_entries) WITH ORDINALITY ORDER BY ordinality LOOP
    s := nextval('audit_event_seq');
    cur_pos := cur_pos + 1;
    seqs := seqs || s;
    prevs := prevs || cur_hash;
    cur_hash := encode(sha256(convert_to(cur_hash || s::text || CASE WHEN c = 0 AND cur_pos = s THEN '' ELSE ':' || c::text || ':' || cur_pos::text END || (e->>11), 'UTF8')), 'hex');
    hashes := hashes || cur_hash;
  END LOOP;
  INSERT INTO audit_event (seq, chain, pos, id, at, actor_practitioner_id, actor_agency_id, action, entity_type, entity_id, person_id,
                           purpose, outcome, detail, prev_hash, hash, mac)
  SELECT seqs[x.n], c, first_pos + x.n - 1, (x.e->>0)::uuid, (x.e->>1)::timestamptz, (x.e->>2)::uuid, (x.e->>3)::uuid, x.e->>4, x.e->>5, (x.e->>6)::uuid, (x.e->>7)::uuid,
         x.e->>8, x.e->>9, (x.e->>10)::jsonb, prevs[x.n], hashes[x.n], x.e->>12
    FROM jsonb_array_elements(p_entries) WITH ORDINALITY AS x(e, n)
   ORDER BY x.n;
  UPDATE audit_head SET seq = s, pos = cur_pos, hash = cur_hash WHERE chain = c;
  RETURN s;
END;
$$;

-- A seal now signs every chain's head at once: [{chain, pos, seq, hash}], NULL for the seals made
-- before this migration (one chain: seq and hash). seq and hash stay the newest entry's, for display.
ALTER TABLE audit_seal ADD COLUMN heads jsonb;
COMMENT ON COLUMN audit_seal.heads IS 'Every non-empty chain''s head when sealed, [{chain, pos, seq, hash}], covered by the MAC; NULL for single-chain seals from before migration 035.';
