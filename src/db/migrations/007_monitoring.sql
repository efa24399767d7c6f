-- Monitoring after the lessons of case example 8: arrangements that name who checks what and
-- how often (case example 3's fortnightly monitoring), each check as it is done, the alert a
-- missed check raises, and the notices a closure sends to every involved agency, each of which
-- acknowledges. See src/process/monitoring.ts.

CREATE TABLE monitoring_arrangement (
  id uuid PRIMARY KEY,
  recording_agency_id uuid NOT NULL REFERENCES agency(id),
  child_person_id uuid NOT NULL REFERENCES person(id),
  responsible_agency_id uuid NOT NULL REFERENCES agency(id),
  responsible_practitioner_id uuid NOT NULL REFERENCES practitioner(id),
  responsible_person_id uuid NOT NULL REFERENCES person(id),
  checks text NOT NULL,
  every_days integer NOT NULL CHECK (every_days BETWEEN 1 AND 366),
  starts_on date NOT NULL,
  ends_on date NOT NULL,
  agreed_agency_ids uuid[] NOT NULL DEFAULT '{}',
  escalation text,
  episode_id uuid REFERENCES episode(id),
  created_by uuid NOT NULL REFERENCES practitioner(id),
  created_at timestamptz NOT NULL,
  ended_at timestamptz,
  ended_by uuid REFERENCES practitioner(id),
  end_reason text,
  CHECK (ends_on >= starts_on)
);
CREATE INDEX monitoring_arrangement_responsible ON monitoring_arrangement (responsible_agency_id) WHERE ended_at IS NULL;
CREATE INDEX monitoring_arrangement_recording ON monitoring_arrangement (recording_agency_id);
CREATE INDEX monitoring_arrangement_episode ON monitoring_arrangement (episode_id) WHERE episode_id IS NOT NULL;
COMMENT ON TABLE monitoring_arrangement IS 'An agreed arrangement to monitor a child: who (agency and practitioner) checks what, every how many days, from when until when, and which agencies agreed.';
COMMENT ON COLUMN monitoring_arrangement.recording_agency_id IS 'The agency that recorded the arrangement (for a closure, children''s social care).';
COMMENT ON COLUMN monitoring_arrangement.child_person_id IS 'The child as the recording agency knows them (its own index).';
COMMENT ON COLUMN monitoring_arrangement.responsible_person_id IS 'The child as the responsible agency knows them: the same entry, or its entry linked to the recording agency''s by a same-person decision.';
COMMENT ON COLUMN monitoring_arrangement.checks IS 'What the responsible practitioner checks, in words (e.g. see the child and confer with the school).';
COMMENT ON COLUMN monitoring_arrangement.every_days IS 'A check is due this many days after the last completed check (or the start): 14 for fortnightly.';
COMMENT ON COLUMN monitoring_arrangement.agreed_agency_ids IS 'The agencies that agreed the arrangement; a responsible agency told of a closure joins them when it acknowledges.';
COMMENT ON COLUMN monitoring_arrangement.escalation IS 'What happens if the concerns continue or checks cannot be made (e.g. refer to children''s social care).';
COMMENT ON COLUMN monitoring_arrangement.episode_id IS 'The episode whose closure set up this arrangement, if any.';

CREATE TABLE monitoring_check (
  id uuid PRIMARY KEY,
  arrangement_id uuid NOT NULL REFERENCES monitoring_arrangement(id),
  outcome text NOT NULL CHECK (outcome IN ('done', 'no_access')),
  checked_at timestamptz NOT NULL,
  note text NOT NULL,
  recorded_by uuid NOT NULL REFERENCES practitioner(id),
  recorded_at timestamptz NOT NULL
);
CREATE INDEX monitoring_check_arrangement ON monitoring_check (arrangement_id, checked_at);
COMMENT ON TABLE monitoring_check IS 'Each check as it was made. Only a done check moves the next due date on; a check with no access tells the recording agency at once.';
COMMENT ON COLUMN monitoring_check.note IS 'The responsible agency''s own note: other agencies see that the check was made, not what it found.';

CREATE TABLE monitoring_alert (
  id uuid PRIMARY KEY,
  arrangement_id uuid NOT NULL REFERENCES monitoring_arrangement(id),
  kind text NOT NULL CHECK (kind IN ('missed_check')),
  due_on date NOT NULL,
  raised_at timestamptz NOT NULL,
  acknowledged_at timestamptz,
  acknowledged_by uuid REFERENCES practitioner(id),
  acknowledgement_note text,
  UNIQUE (arrangement_id, kind, due_on)
);
CREATE INDEX monitoring_alert_open ON monitoring_alert (arrangement_id) WHERE acknowledged_at IS NULL;
COMMENT ON TABLE monitoring_alert IS 'A check that was due and not made. One per arrangement and due date, however often the sweep runs.';

CREATE TABLE closure_notice (
  id uuid PRIMARY KEY,
  episode_id uuid NOT NULL REFERENCES episode(id),
  arrangement_id uuid NOT NULL REFERENCES monitoring_arrangement(id),
  closing_agency_id uuid NOT NULL REFERENCES agency(id),
  agency_id uuid NOT NULL REFERENCES agency(id),
  person_id uuid REFERENCES person(id),
  involved_because text[] NOT NULL,
  no_access_visits integer NOT NULL,
  open_concerns integer NOT NULL,
  closed_at timestamptz NOT NULL,
  notified_at timestamptz NOT NULL,
  acknowledged_at timestamptz,
  acknowledged_by uuid REFERENCES practitioner(id),
  note text,
  UNIQUE (episode_id, agency_id)
);
CREATE INDEX closure_notice_agency ON closure_notice (agency_id) WHERE acknowledged_at IS NULL;
CREATE INDEX closure_notice_closing ON closure_notice (closing_agency_id);
COMMENT ON TABLE closure_notice IS 'Case example 8: a case closed after visits with no access or with open concerns is notified to every involved agency, each of which acknowledges.';
COMMENT ON COLUMN closure_notice.person_id IS 'The recipient agency''s own entry for the child (linked to the episode''s child), if it has one.';
COMMENT ON COLUMN closure_notice.involved_because IS 'Why the agency was told: linked_entry, conference, strategy_discussion, meeting, referrer, monitoring, named.';
COMMENT ON COLUMN closure_notice.no_access_visits IS 'Counts as the closing practitioner could see them; never the records themselves.';
