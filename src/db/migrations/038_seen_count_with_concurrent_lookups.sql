-- Issue 21, item 5: flag lookups' writes may now be several batches on their way at once (a lookup
-- no longer waits for another batch's commit before its own starts; src/flags/lookup.ts). Two
-- batches recording attendances of the same child at the same moment would each count the child's
-- attendances in the last 12 months without the other's access row (not yet committed), and both
-- notifications would say the same number. A transaction-level advisory lock per notified child,
-- taken before the batch's access rows are inserted, puts such batches one after the other: the
-- second inserts and counts from new snapshots, after the first has committed, so each counts the
-- attendances committed before it as when batches went one at a time (and now across server
-- processes too, which already wrote concurrently). A lookup that raises no notification takes no
-- lock and waits for none.
-- The lock's first key, 7345038, names it (as 7345006 names the alert sweep's, src/process/alerts.ts);
-- children are locked in the order of their keys, so two batches cannot deadlock. Nothing else changes.
CREATE OR REPLACE FUNCTION jigsaw_record_flag_lookups(p_accesses jsonb, p_notifications jsonb, p_audits jsonb) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  child_key integer;
BEGIN
  -- Before this batch's access rows go in: a batch that holds a child's lock has its rows
  -- committed before the next one inserts and counts (each statement a new snapshot).
  FOR child_key IN SELECT DISTINCT hashtext(x.person_id::text) FROM jsonb_to_recordset(p_notifications) AS x(person_id uuid) ORDER BY 1 LOOP
    PERFORM pg_advisory_xact_lock(7345038, child_key);
  END LOOP;
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
COMMENT ON FUNCTION jigsaw_record_flag_lookups IS 'Used by lookupWriter in src/flags/lookup.ts: the access history, "child was seen" notifications with their deliveries, and the audit entries of a batch of lookups. Concurrent batches notifying the same child count its attendances one after the other (migration 038).';
