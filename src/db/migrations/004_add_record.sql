-- Writing an agency record in one round trip: the person's facts, the record, its first version
-- and the audit entry. The access policy (src/access/policy.ts) still decides, in the
-- application, on the facts this returns; a refusal rolls the transaction back. PGlite spends
-- most of a small write planning and parsing statements, so one call to a function whose
-- statements are planned once per session costs a third of five separate statements.
CREATE FUNCTION jigsaw_add_record(
  p_person uuid, p_id uuid, p_agency uuid, p_restricted boolean, p_author uuid, p_now timestamptz,
  p_kind text, p_occurred timestamptz, p_categories text[], p_fo text, p_rw text, p_source jsonb, p_confidential boolean,
  p_sensitive text[], p_summary text, p_details text, p_childs_words text, p_outcome text,
  a_id uuid, a_at timestamptz, a_pid uuid, a_aid uuid, a_action text, a_etype text, a_eid uuid, a_person uuid, a_purpose text, a_outcome text, a_detail jsonb, a_canonical text
) RETURNS TABLE (person_agency_id uuid, author_name text) LANGUAGE plpgsql AS $$
BEGIN
  SELECT agency_id INTO person_agency_id FROM person WHERE id = p_person;
  IF NOT FOUND THEN RETURN; END IF;
  SELECT name INTO author_name FROM practitioner WHERE id = p_author;
  IF person_agency_id = p_agency THEN
    INSERT INTO agency_record (id, person_id, agency_id, current_version, restricted, created_by, created_at) VALUES (p_id, p_person, p_agency, 1, p_restricted, p_author, p_now);
    INSERT INTO agency_record_version (record_id, version, kind, occurred_at, recorded_at, author_id, categories, fact_or_opinion, reported_or_witnessed, source, confidential, sensitive_categories, summary, details, childs_words, outcome)
      VALUES (p_id, 1, p_kind, p_occurred, p_now, p_author, p_categories, p_fo, p_rw, p_source, p_confidential, p_sensitive, p_summary, p_details, p_childs_words, p_outcome);
    PERFORM jigsaw_append_audit(a_id, a_at, a_pid, a_aid, a_action, a_etype, a_eid, a_person, a_purpose, a_outcome, a_detail, a_canonical);
  END IF;
  RETURN NEXT;
END $$;
COMMENT ON FUNCTION jigsaw_add_record IS 'Used by addRecord in src/records/records.ts; inserts only when the person is in the writing agency''s index.';
