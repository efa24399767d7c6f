-- Managers' alerts for overdue statutory steps (src/process/alerts.ts).
--
-- One row per (episode, step, due date): the sweep raises it once, whoever runs it and however
-- often. A step that is later completed (or rescheduled, or whose episode closes) keeps its alert
-- as history, marked resolved. A manager of the authority acknowledges it: who, when, a note.

CREATE TABLE overdue_alert (
  id uuid PRIMARY KEY,
  agency_id uuid NOT NULL REFERENCES agency(id),
  episode_id uuid NOT NULL REFERENCES episode(id),
  step_key text NOT NULL,
  label text NOT NULL,
  paragraph text NOT NULL,
  due_date date NOT NULL,
  due_at timestamptz,
  raised_at timestamptz NOT NULL,
  resolved_at timestamptz,
  resolution text CHECK (resolution IN ('step_completed', 'rescheduled', 'episode_closed')),
  completed_at timestamptz,
  acknowledged_at timestamptz,
  acknowledged_by uuid REFERENCES practitioner(id),
  acknowledgement_note text,
  UNIQUE (episode_id, step_key, due_date),
  CHECK ((resolved_at IS NULL) = (resolution IS NULL)),
  CHECK ((acknowledged_at IS NULL) = (acknowledged_by IS NULL))
);
CREATE INDEX overdue_alert_agency ON overdue_alert (agency_id, raised_at);
-- The managers' list: awaiting acknowledgement, most overdue first.
CREATE INDEX overdue_alert_open ON overdue_alert (agency_id, due_date, raised_at, episode_id, step_key) WHERE acknowledged_at IS NULL;
CREATE INDEX overdue_alert_unresolved ON overdue_alert (episode_id) WHERE resolved_at IS NULL;
COMMENT ON TABLE overdue_alert IS 'A statutory step of an open episode passed its due date: the authority''s managers are alerted and one of them acknowledges it. Raised by the sweep (raiseOverdueAlerts), never edited except to resolve or acknowledge.';
COMMENT ON COLUMN overdue_alert.label IS 'The step''s label when the alert was raised: the step itself leaves the projection once it is done.';
COMMENT ON COLUMN overdue_alert.resolution IS 'Why the alert no longer stands: the step was done, its due date moved, or the episode closed.';
COMMENT ON COLUMN overdue_alert.completed_at IS 'When the step was done (the action''s occurred_at), for step_completed.';

CREATE FUNCTION overdue_alert_only_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'overdue_alert is kept as history: DELETE is not allowed';
  END IF;
  IF (NEW.id, NEW.agency_id, NEW.episode_id, NEW.step_key, NEW.label, NEW.paragraph, NEW.due_date, NEW.due_at, NEW.raised_at)
       IS DISTINCT FROM (OLD.id, OLD.agency_id, OLD.episode_id, OLD.step_key, OLD.label, OLD.paragraph, OLD.due_date, OLD.due_at, OLD.raised_at)
     OR (OLD.resolved_at IS NOT NULL AND (NEW.resolved_at, NEW.resolution, NEW.completed_at) IS DISTINCT FROM (OLD.resolved_at, OLD.resolution, OLD.completed_at))
     OR (OLD.acknowledged_at IS NOT NULL AND (NEW.acknowledged_at, NEW.acknowledged_by, NEW.acknowledgement_note)
           IS DISTINCT FROM (OLD.acknowledged_at, OLD.acknowledged_by, OLD.acknowledgement_note)) THEN
    RAISE EXCEPTION 'an overdue alert is only ever resolved once and acknowledged once';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER overdue_alert_forward BEFORE UPDATE OR DELETE ON overdue_alert
  FOR EACH ROW EXECUTE FUNCTION overdue_alert_only_forward();

-- Many audit entries in one call, chained exactly as one jigsaw_append_audit call each would chain
-- them (same hash: SHA-256(prev_hash || seq || canonical JSON)), but moving audit_head once: a
-- sweep that raises thousands of alerts would otherwise update that one row thousands of times in
-- one transaction, and each update walks the row's ever longer chain of versions.
-- p_entries: a JSON array of the 12 arguments of jigsaw_append_audit per entry, in order.
CREATE FUNCTION jigsaw_append_audit_many(p_entries jsonb) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  cur_seq bigint;
  cur_hash text;
  new_hash text;
  e jsonb;
BEGIN
  SELECT seq, hash INTO cur_seq, cur_hash FROM audit_head WHERE id = 1 FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO audit_head (id, seq, hash)
      SELECT 1, coalesce(max(seq), 0), coalesce((SELECT hash FROM audit_event ORDER BY seq DESC LIMIT 1), repeat('0', 64)) FROM audit_event
      ON CONFLICT (id) DO NOTHING;
    SELECT seq, hash INTO cur_seq, cur_hash FROM audit_head WHERE id = 1 FOR UPDATE;
  END IF;
  FOR e IN SELECT value FROM jsonb_array_elements(p_entries) WITH ORDINALITY ORDER BY ordinality LOOP
    cur_seq := cur_seq + 1;
    new_hash := encode(sha256(convert_to(cur_hash || cur_seq::text || (e->>11), 'UTF8')), 'hex');
    INSERT INTO audit_event (seq, id, at, actor_practitioner_id, actor_agency_id, action, entity_type, entity_id, person_id,
                             purpose, outcome, detail, prev_hash, hash)
    VALUES (cur_seq, (e->>0)::uuid, (e->>1)::timestamptz, (e->>2)::uuid, (e->>3)::uuid, e->>4, e->>5, (e->>6)::uuid, (e->>7)::uuid,
            e->>8, e->>9, (e->>10)::jsonb, cur_hash, new_hash);
    cur_hash := new_hash;
  END LOOP;
  UPDATE audit_head SET seq = cur_seq, hash = cur_hash WHERE id = 1;
  RETURN cur_seq;
END;
$$;
COMMENT ON FUNCTION jigsaw_append_audit_many IS 'Bulk form of jigsaw_append_audit (same chain), for the overdue-step sweep; see src/process/alerts.ts.';
