-- Flag lookups at a hospital's rate (docs/performance.md, "Child-protection flags"): the lookup's
-- query with its plan kept, a batch's writes as one statement, the bulk audit append as one
-- insert, and an index for the count of a child's attendances.

-- What one batch of flag lookups writes (src/flags/lookup.ts, lookupWriter), as one statement.
-- At 50 concurrent lookups the writer's BEGIN, three inserts, the audit append and COMMIT were six
-- round trips, each waiting its turn on a busy event loop while the next batch queued behind it;
-- one call is one round trip, and a single statement is its own transaction (all or nothing).
--   p_accesses: flag_access rows; p_notifications: seen_notification rows (with access_id);
--   p_audits: jigsaw_append_audit_many's entries.
CREATE FUNCTION jigsaw_record_flag_lookups(p_accesses jsonb, p_notifications jsonb, p_audits jsonb) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF jsonb_array_length(p_accesses) > 0 THEN
    INSERT INTO flag_access (id, person_id, accessed_at, unscheduled, via, search, health_setting_id, practitioner_id, agency_id, setting_name, setting_type)
    SELECT id, person_id, accessed_at, unscheduled, via, search, health_setting_id, practitioner_id, agency_id, setting_name, setting_type
      FROM jsonb_to_recordset(p_accesses) AS x(id uuid, person_id uuid, accessed_at timestamptz, unscheduled boolean, via text, search text,
           health_setting_id uuid, practitioner_id uuid, agency_id uuid, setting_name text, setting_type text);
  END IF;
  IF jsonb_array_length(p_notifications) > 0 THEN
    -- The count includes this attendance: its access row was inserted above.
    INSERT INTO seen_notification (id, agency_id, person_id, flag_access_id, seen_at, setting_name, setting_type, attendances_12_months, created_at)
    SELECT x.id, x.agency_id, x.person_id, x.access_id, x.seen_at, x.setting_name, x.setting_type,
           (SELECT count(*) FROM flag_access a WHERE a.person_id = x.person_id AND a.unscheduled
               AND a.accessed_at > x.seen_at - interval '12 months' AND a.accessed_at <= x.seen_at),
           x.seen_at
      FROM jsonb_to_recordset(p_notifications) AS x(id uuid, access_id uuid, person_id uuid, agency_id uuid, seen_at timestamptz, setting_name text, setting_type text);
    -- One delivery per channel the authority has configured. Read from the batch itself, not back
    -- from seen_notification: a plan by the authority's ever-growing list of notifications would
    -- read all of them to find these few.
    INSERT INTO seen_delivery (id, notification_id, channel, target, next_attempt_at, created_at)
    SELECT gen_random_uuid(), x.id, c.channel, c.target, x.seen_at, x.seen_at
      FROM jsonb_to_recordset(p_notifications) AS x(id uuid, agency_id uuid, seen_at timestamptz)
      JOIN flag_authority_settings s ON s.agency_id = x.agency_id
      CROSS JOIN LATERAL (VALUES ('webhook', s.webhook_url), ('email', s.notify_email)) AS c(channel, target)
     WHERE c.target IS NOT NULL;
  END IF;
  IF jsonb_array_length(p_audits) > 0 THEN
    PERFORM jigsaw_append_audit_many(p_audits);
  END IF;
END;
$$;
COMMENT ON FUNCTION jigsaw_record_flag_lookups IS 'Used by lookupWriter in src/flags/lookup.ts: the access history, "child was seen" notifications with their deliveries, and the audit entries of a batch of lookups.';

-- The bulk append, same chain and hashes as migration 006's, with the entries inserted by one
-- statement instead of one INSERT each: the chain's head row is locked from the first entry to the
-- commit, so every lookup batch waits for the one before it to get through this; fewer statements
-- under the lock shorten that wait. The hashes are still computed one after another (each takes
-- the previous), in the loop.
CREATE OR REPLACE FUNCTION jigsaw_append_audit_many(p_entries jsonb) RETURNS bigint LANGUAGE plpgsql AS $$
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
                           purpose, outcome, detail, prev_hash, hash)
  SELECT first_seq + x.n - 1, (x.e->>0)::uuid, (x.e->>1)::timestamptz, (x.e->>2)::uuid, (x.e->>3)::uuid, x.e->>4, x.e->>5, (x.e->>6)::uuid, (x.e->>7)::uuid,
         x.e->>8, x.e->>9, (x.e->>10)::jsonb, prevs[x.n], hashes[x.n]
    FROM jsonb_array_elements(p_entries) WITH ORDINALITY AS x(e, n)
   ORDER BY x.n;
  UPDATE audit_head SET seq = cur_seq, hash = cur_hash WHERE id = 1;
  RETURN cur_seq;
END;
$$;
COMMENT ON FUNCTION jigsaw_append_audit_many IS 'Bulk form of jigsaw_append_audit (same chain): the overdue-step sweep (src/process/alerts.ts) and flag lookups (jigsaw_record_flag_lookups).';

-- "How often has the child attended in the last 12 months" is counted for every unscheduled lookup
-- of a flagged child. Through flag_access_person each earlier attendance cost a visit to its row,
-- scattered over the table as the attendances were; this index answers the count from the index
-- alone once the rows are settled (vacuumed), so a frequent attender costs no more than a new one.
CREATE INDEX flag_access_unscheduled ON flag_access (person_id, accessed_at) WHERE unscheduled;

-- The flag lookup itself (src/flags/lookup.ts, FLAGS_BY_NHS_NUMBERS_SQL calls it): children's flags
-- for a batch of lookups, each row tagged with the request it answers; for an unborn child, found
-- by the mother's NHS number. In a function because PL/pgSQL keeps the query's plan for the whole
-- session: the query plans in ten times the time it runs (1.3 ms against 0.1 ms on a server, 3.7 ms
-- a lookup on PGlite, which has no named prepared statements). The plan is a generic one: the
-- planner cannot see how many lookups the JSON holds, so every batch costs it the same.
--   p_asks: a JSON array of {nhs, since}; flags ended before `since` are not shown.
CREATE FUNCTION jigsaw_flags_by_nhs_numbers(p_asks jsonb)
RETURNS TABLE (request bigint, id uuid, kind text, person_id uuid, period_start timestamptz, period_end timestamptz,
               authority_agency_id uuid, authority_name text, office_hours_phone text, out_of_hours_phone text,
               subject_nhs_number text, subject_display text)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  WITH q AS (SELECT * FROM ROWS FROM (jsonb_to_recordset(p_asks) AS (nhs text, since timestamptz)) WITH ORDINALITY AS q(nhs, since, request))
  SELECT q.request, f.id, f.kind, f.person_id, f.period_start, f.period_end, f.authority_agency_id, a.name,
         s.office_hours_phone, s.out_of_hours_phone, p.nhs_number,
         (SELECT trim(n.given_names || ' ' || n.family_name) FROM person_name n WHERE n.person_id = f.person_id ORDER BY n.use <> 'usual', n.position LIMIT 1)
    FROM q JOIN person p ON p.nhs_number = q.nhs JOIN flag f ON f.person_id = p.id
    JOIN agency a ON a.id = f.authority_agency_id LEFT JOIN flag_authority_settings s ON s.agency_id = f.authority_agency_id
   WHERE f.period_end IS NULL OR f.period_end > q.since
  UNION ALL
  SELECT q.request, f.id, f.kind, f.person_id, f.period_start, f.period_end, f.authority_agency_id, a.name,
         s.office_hours_phone, s.out_of_hours_phone, m.nhs_number,
         (SELECT trim(n.given_names || ' ' || n.family_name) FROM person_name n WHERE n.person_id = f.person_id ORDER BY n.use <> 'usual', n.position LIMIT 1)
    FROM q JOIN person m ON m.nhs_number = q.nhs
    JOIN relationship r ON r.related_person_id = m.id AND r.type = 'parent' AND r.valid_to IS NULL
    JOIN flag f ON f.person_id = r.person_id AND f.kind = 'unborn_child_protection_plan'
    JOIN agency a ON a.id = f.authority_agency_id LEFT JOIN flag_authority_settings s ON s.agency_id = f.authority_agency_id
   WHERE m.sex = 'female' AND (f.period_end IS NULL OR f.period_end > q.since)
   ORDER BY 1, 5, 2;
END;
$$;
COMMENT ON FUNCTION jigsaw_flags_by_nhs_numbers IS 'The flag lookup for a batch of NHS numbers; see FLAGS_BY_NHS_NUMBERS_SQL in src/flags/lookup.ts.';
