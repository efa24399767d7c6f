-- Person matching (issue 6): what the matcher needs to find candidates among every agency's
-- people quickly, and the recorded "not the same person" decisions. The "same person" decision
-- is person_link (002_sharing.sql).

CREATE TABLE person_match (
  person_id uuid PRIMARY KEY REFERENCES person(id),
  agency_id uuid NOT NULL REFERENCES agency(id),
  features jsonb NOT NULL,
  indexed_at timestamptz NOT NULL
);
COMMENT ON TABLE person_match IS 'The fields the matcher compares, per person entry, kept in step with the person on every change. Read only by the matching service; never returned to another agency.';

CREATE TABLE person_match_key (
  key text NOT NULL,
  person_id uuid NOT NULL REFERENCES person(id),
  PRIMARY KEY (key, person_id)
);
CREATE INDEX person_match_key_person ON person_match_key (person_id);
COMMENT ON TABLE person_match_key IS 'Blocking keys (src/matching/blocking.ts): a person is a candidate for a query when they share a key, so a search reads a few hundred rows, not every person.';

CREATE TABLE person_match_term (
  field text NOT NULL,
  value text NOT NULL,
  n integer NOT NULL,
  PRIMARY KEY (field, value)
);
COMMENT ON TABLE person_match_term IS 'How many entries carry each first name and surname (field ''*'': all entries): a shared common name counts for less than a rare one.';

CREATE TABLE person_not_same (
  id uuid PRIMARY KEY,
  person_id uuid NOT NULL REFERENCES person(id),
  other_person_id uuid NOT NULL REFERENCES person(id),
  decided_by uuid NOT NULL REFERENCES practitioner(id),
  decided_at timestamptz NOT NULL,
  reason text NOT NULL,
  undone_at timestamptz,
  undone_by uuid REFERENCES practitioner(id),
  undo_reason text,
  CHECK (person_id <> other_person_id)
);
CREATE INDEX person_not_same_person ON person_not_same (person_id);
CREATE INDEX person_not_same_other ON person_not_same (other_person_id);
CREATE UNIQUE INDEX person_not_same_live ON person_not_same (least(person_id, other_person_id), greatest(person_id, other_person_id)) WHERE undone_at IS NULL;
COMMENT ON TABLE person_not_same IS 'A recorded decision that two entries are not the same person; stops the suggestion coming back. Undone, never deleted.';
