-- Lawful information sharing: consent register, information-sharing decisions, the grants
-- they create, advice requests, requests for information, same-person links and notifications.

ALTER TABLE agency ADD COLUMN contact_phone text;
ALTER TABLE agency ADD COLUMN contact_email text;
ALTER TABLE agency ADD COLUMN out_of_hours_phone text;
COMMENT ON COLUMN agency.contact_phone IS 'How another agency reaches this one: "don''t assume you all have the same information".';
ALTER TABLE practitioner ADD COLUMN phone text;

CREATE TABLE consent (
  id uuid PRIMARY KEY,
  person_id uuid NOT NULL REFERENCES person(id),
  agency_id uuid NOT NULL REFERENCES agency(id),
  purpose_code text NOT NULL,
  purpose text NOT NULL,
  recipient_agency_ids uuid[] NOT NULL DEFAULT '{}',
  recipient_practitioner_ids uuid[] NOT NULL DEFAULT '{}',
  decision text NOT NULL CHECK (decision IN ('given', 'refused')),
  form text NOT NULL CHECK (form IN ('explicit_verbal', 'explicit_written', 'implicit')),
  document_reference text,
  implied_by text,
  given_by_capacity text NOT NULL CHECK (given_by_capacity IN ('self', 'parental_responsibility', 'local_authority', 'best_interests')),
  given_by_person_id uuid REFERENCES person(id),
  given_by_description text,
  competence jsonb,
  best_interests jsonb,
  obtained_at timestamptz NOT NULL,
  recorded_by uuid NOT NULL REFERENCES practitioner(id),
  recorded_at timestamptz NOT NULL,
  withdrawn_at timestamptz,
  withdrawn_by uuid REFERENCES practitioner(id),
  withdrawal_reason text
);
CREATE INDEX consent_person ON consent (person_id);
COMMENT ON TABLE consent IS 'Consent per person, per specified purpose and recipients (protocol 2.8.1, 3.17–3.37). Never inferred from silence.';
COMMENT ON COLUMN consent.competence IS 'For a child under 16 consenting themself: the 3.24 criteria as answered, and whether Fraser guidelines applied.';

CREATE TABLE share_decision (
  id uuid PRIMARY KEY,
  person_id uuid NOT NULL REFERENCES person(id),
  agency_id uuid NOT NULL REFERENCES agency(id),
  decided_by uuid NOT NULL REFERENCES practitioner(id),
  decided_at timestamptz NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('share', 'do_not_share', 'seek_advice')),
  legal_basis text NOT NULL,
  purpose_code text NOT NULL,
  purpose text NOT NULL,
  answers jsonb NOT NULL,
  reasons text NOT NULL,
  consent_id uuid REFERENCES consent(id),
  urgent boolean NOT NULL DEFAULT false,
  complete_by date,
  completed_at timestamptz,
  follows_decision_id uuid REFERENCES share_decision(id),
  information_request_id uuid,
  valid_until timestamptz,
  onward_sharing text NOT NULL DEFAULT 'not_permitted' CHECK (onward_sharing IN ('not_permitted', 'permitted', 'permitted_with_conditions')),
  onward_conditions text,
  include_address boolean NOT NULL DEFAULT false,
  subject_informed jsonb,
  source_informed jsonb,
  acknowledged_warnings text[] NOT NULL DEFAULT '{}',
  revoked_at timestamptz,
  revoked_by uuid REFERENCES practitioner(id),
  revocation_reason text
);
CREATE INDEX share_decision_person ON share_decision (person_id);
CREATE INDEX share_decision_agency ON share_decision (agency_id, decided_at);
COMMENT ON TABLE share_decision IS 'Every decision to share, not to share, or to seek advice first, with its answers to the key questions and reasons (golden rule 7, 3.51).';
COMMENT ON COLUMN share_decision.complete_by IS 'Urgent sharing: the date by which the full decision must be recorded (1 working day).';

CREATE TABLE share_recipient (
  decision_id uuid NOT NULL REFERENCES share_decision(id),
  agency_id uuid NOT NULL REFERENCES agency(id),
  practitioner_id uuid REFERENCES practitioner(id)
);
CREATE INDEX share_recipient_decision ON share_recipient (decision_id);

CREATE TABLE share_grant (
  id uuid PRIMARY KEY,
  decision_id uuid NOT NULL REFERENCES share_decision(id),
  record_id uuid NOT NULL REFERENCES agency_record(id),
  person_id uuid NOT NULL REFERENCES person(id),
  grantee_agency_id uuid NOT NULL REFERENCES agency(id),
  grantee_practitioner_id uuid REFERENCES practitioner(id),
  parts text[] NOT NULL,
  valid_from timestamptz NOT NULL,
  valid_until timestamptz,
  revoked_at timestamptz
);
CREATE INDEX share_grant_record ON share_grant (record_id);
CREATE INDEX share_grant_grantee ON share_grant (grantee_agency_id, person_id);
COMMENT ON TABLE share_grant IS 'The only door between agencies: one record (or some of its parts) made visible to one agency or practitioner by one decision.';
COMMENT ON COLUMN share_grant.parts IS 'Which parts of the record are shared: summary, details, childs_words, source.';

CREATE TABLE advice_request (
  id uuid PRIMARY KEY,
  decision_id uuid NOT NULL REFERENCES share_decision(id),
  agency_id uuid NOT NULL REFERENCES agency(id),
  asked_by uuid NOT NULL REFERENCES practitioner(id),
  adviser_role text NOT NULL CHECK (adviser_role IN ('safeguarding_lead', 'caldicott_guardian', 'manager')),
  adviser_id uuid REFERENCES practitioner(id),
  question text NOT NULL,
  identity_revealed boolean NOT NULL DEFAULT false,
  asked_at timestamptz NOT NULL,
  advice text,
  advised_by uuid REFERENCES practitioner(id),
  advised_at timestamptz
);
CREATE INDEX advice_request_agency ON advice_request (agency_id, advised_at);
COMMENT ON COLUMN advice_request.identity_revealed IS 'Golden rule 3: the adviser does not see who the person is unless the asker reveals it.';

CREATE TABLE information_request (
  id uuid PRIMARY KEY,
  from_agency_id uuid NOT NULL REFERENCES agency(id),
  requested_by uuid NOT NULL REFERENCES practitioner(id),
  to_agency_id uuid NOT NULL REFERENCES agency(id),
  subject_person_id uuid NOT NULL REFERENCES person(id),
  subject_description jsonb NOT NULL,
  purpose_code text NOT NULL,
  purpose text NOT NULL,
  urgent boolean NOT NULL DEFAULT false,
  requested_at timestamptz NOT NULL,
  status text NOT NULL CHECK (status IN ('open', 'shared', 'refused', 'not_known')),
  answered_by uuid REFERENCES practitioner(id),
  answered_at timestamptz,
  response_decision_id uuid REFERENCES share_decision(id),
  response_note text
);
CREATE INDEX information_request_to ON information_request (to_agency_id, status);
CREATE INDEX information_request_from ON information_request (from_agency_id);
COMMENT ON COLUMN information_request.subject_description IS 'The identifying details the requester sends so the other agency can find the person (names, date of birth, NHS number).';

CREATE TABLE person_link (
  id uuid PRIMARY KEY,
  person_id uuid NOT NULL REFERENCES person(id),
  other_person_id uuid NOT NULL REFERENCES person(id),
  decided_by uuid NOT NULL REFERENCES practitioner(id),
  decided_at timestamptz NOT NULL,
  reason text,
  unlinked_at timestamptz,
  unlinked_by uuid REFERENCES practitioner(id),
  CHECK (person_id <> other_person_id)
);
CREATE INDEX person_link_person ON person_link (person_id);
CREATE INDEX person_link_other ON person_link (other_person_id);
COMMENT ON TABLE person_link IS 'A recorded decision that two agencies'' entries are the same person. Makes the agencies visible to each other; shares no record content.';

CREATE TABLE record_contradiction (
  id uuid PRIMARY KEY,
  record_id uuid NOT NULL REFERENCES agency_record(id),
  contradicts_record_id uuid NOT NULL REFERENCES agency_record(id),
  note text NOT NULL,
  marked_by uuid NOT NULL REFERENCES practitioner(id),
  marked_at timestamptz NOT NULL
);
CREATE INDEX record_contradiction_record ON record_contradiction (record_id);
CREATE INDEX record_contradiction_other ON record_contradiction (contradicts_record_id);

CREATE TABLE notification (
  id uuid PRIMARY KEY,
  practitioner_id uuid NOT NULL REFERENCES practitioner(id),
  kind text NOT NULL,
  entity_type text NOT NULL,
  entity_id uuid NOT NULL,
  message text NOT NULL,
  created_at timestamptz NOT NULL,
  read_at timestamptz
);
CREATE INDEX notification_practitioner ON notification (practitioner_id, read_at);
COMMENT ON COLUMN notification.message IS 'What happened, without the person''s name: the link leads to the detail.';
