-- Jigsaw core schema: the partnership, its agencies and practitioners, the people they know,
-- what each agency records about them, sign-in, and the tamper-evident audit trail.

CREATE TABLE partnership (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  nation text NOT NULL CHECK (nation IN ('england-and-wales', 'scotland', 'northern-ireland')),
  created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE partnership IS 'A safeguarding partnership or information-sharing protocol, e.g. three local authorities sharing one protocol.';
COMMENT ON COLUMN partnership.nation IS 'Whose bank holidays count when working days are computed.';

CREATE TABLE agency (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  type text NOT NULL,
  ods_code text,
  created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON COLUMN agency.type IS 'school, gp, hospital, police, … (see src/partnership/schemas.ts AgencyType).';
COMMENT ON COLUMN agency.ods_code IS 'Organisation code where the agency has one (NHS ODS, DfE URN, police force code).';

CREATE TABLE partnership_agency (
  partnership_id uuid NOT NULL REFERENCES partnership(id),
  agency_id uuid NOT NULL REFERENCES agency(id),
  PRIMARY KEY (partnership_id, agency_id)
);
COMMENT ON TABLE partnership_agency IS 'An agency can belong to several partnerships: one police force serves several authorities.';

CREATE TABLE practitioner (
  id uuid PRIMARY KEY,
  agency_id uuid NOT NULL REFERENCES agency(id),
  name text NOT NULL,
  email text NOT NULL,
  job_title text,
  password_hash text,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX practitioner_email ON practitioner (lower(email));
COMMENT ON COLUMN practitioner.password_hash IS 'argon2id hash; NULL for an account that signs in only with API tokens.';

CREATE TABLE practitioner_role (
  practitioner_id uuid NOT NULL REFERENCES practitioner(id),
  role text NOT NULL,
  PRIMARY KEY (practitioner_id, role)
);

CREATE TABLE person (
  id uuid PRIMARY KEY,
  agency_id uuid NOT NULL REFERENCES agency(id),
  kind text NOT NULL CHECK (kind IN ('child', 'adult', 'unborn')),
  date_of_birth date,
  expected_date_of_delivery date,
  sex text NOT NULL DEFAULT 'unknown',
  nhs_number text,
  preferred_language text,
  communication_needs text,
  created_by uuid NOT NULL REFERENCES practitioner(id),
  created_at timestamptz NOT NULL,
  CHECK (kind <> 'unborn' OR expected_date_of_delivery IS NOT NULL)
);
CREATE INDEX person_agency ON person (agency_id);
CREATE INDEX person_nhs_number ON person (nhs_number) WHERE nhs_number IS NOT NULL;
COMMENT ON TABLE person IS 'A person as one agency knows them. Each agency keeps its own; linking the same person across agencies is a recorded decision (matching).';
COMMENT ON COLUMN person.agency_id IS 'The agency whose index this entry belongs to; only it sees the entry by default.';

CREATE TABLE person_name (
  id uuid PRIMARY KEY,
  person_id uuid NOT NULL REFERENCES person(id),
  use text NOT NULL CHECK (use IN ('usual', 'alias', 'previous', 'preferred')),
  given_names text NOT NULL DEFAULT '',
  family_name text NOT NULL DEFAULT '',
  position integer NOT NULL
);
CREATE INDEX person_name_person ON person_name (person_id);

CREATE TABLE person_address (
  id uuid PRIMARY KEY,
  person_id uuid NOT NULL REFERENCES person(id),
  line1 text NOT NULL,
  line2 text,
  town text,
  postcode text,
  valid_from date,
  valid_to date,
  position integer NOT NULL,
  CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from)
);
CREATE INDEX person_address_person ON person_address (person_id);

CREATE TABLE relationship (
  id uuid PRIMARY KEY,
  person_id uuid NOT NULL REFERENCES person(id),
  related_person_id uuid NOT NULL REFERENCES person(id),
  type text NOT NULL,
  valid_from date,
  valid_to date,
  created_by uuid NOT NULL REFERENCES practitioner(id),
  created_at timestamptz NOT NULL,
  CHECK (person_id <> related_person_id),
  CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from)
);
CREATE INDEX relationship_person ON relationship (person_id);
CREATE INDEX relationship_related ON relationship (related_person_id);
COMMENT ON COLUMN relationship.type IS 'What related_person is to person: parent, parental_responsibility, primary_carer, sibling, household_member, partner, other.';

CREATE TABLE lead_worker (
  id uuid PRIMARY KEY,
  person_id uuid NOT NULL REFERENCES person(id),
  practitioner_id uuid NOT NULL REFERENCES practitioner(id),
  valid_from date NOT NULL,
  valid_to date,
  created_at timestamptz NOT NULL
);
CREATE INDEX lead_worker_person ON lead_worker (person_id);
COMMENT ON TABLE lead_worker IS 'The agency''s lead worker for a person (what-to-do-if-worried 10.9–10.10).';

CREATE TABLE agency_record (
  id uuid PRIMARY KEY,
  person_id uuid NOT NULL REFERENCES person(id),
  agency_id uuid NOT NULL REFERENCES agency(id),
  current_version integer NOT NULL,
  restricted boolean NOT NULL DEFAULT false,
  created_by uuid NOT NULL REFERENCES practitioner(id),
  created_at timestamptz NOT NULL
);
CREATE INDEX agency_record_person ON agency_record (person_id, agency_id);
COMMENT ON COLUMN agency_record.restricted IS 'Visible only to named practitioners, the author and the agency''s safeguarding lead.';

CREATE TABLE agency_record_version (
  record_id uuid NOT NULL REFERENCES agency_record(id),
  version integer NOT NULL,
  kind text NOT NULL,
  occurred_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL,
  author_id uuid NOT NULL REFERENCES practitioner(id),
  categories text[] NOT NULL,
  fact_or_opinion text NOT NULL CHECK (fact_or_opinion IN ('fact', 'opinion')),
  reported_or_witnessed text NOT NULL CHECK (reported_or_witnessed IN ('reported', 'witnessed')),
  source jsonb NOT NULL,
  confidential boolean NOT NULL,
  sensitive_categories text[] NOT NULL,
  summary text NOT NULL,
  details text,
  childs_words text,
  outcome text,
  correction_reason text,
  PRIMARY KEY (record_id, version)
);
COMMENT ON TABLE agency_record_version IS 'Every version of every record. A correction adds a version; nothing is overwritten.';
COMMENT ON COLUMN agency_record_version.occurred_at IS 'When it happened; may be earlier than recorded_at (back-dated entries are shown as such).';
COMMENT ON COLUMN agency_record_version.source IS 'Who the information came from; a member of the public can be identity-protected (12.5).';

CREATE TABLE record_named_practitioner (
  record_id uuid NOT NULL REFERENCES agency_record(id),
  practitioner_id uuid NOT NULL REFERENCES practitioner(id),
  PRIMARY KEY (record_id, practitioner_id)
);

CREATE TABLE web_session (
  token_hash text PRIMARY KEY,
  practitioner_id uuid NOT NULL REFERENCES practitioner(id),
  created_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  ended_at timestamptz
);
COMMENT ON COLUMN web_session.token_hash IS 'SHA-256 of the cookie value; the value itself is never stored.';

CREATE TABLE api_token (
  id uuid PRIMARY KEY,
  practitioner_id uuid NOT NULL REFERENCES practitioner(id),
  token_hash text NOT NULL UNIQUE,
  name text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz,
  revoked_at timestamptz
);

CREATE TABLE sign_in_throttle (
  key_hash text PRIMARY KEY,
  failures integer NOT NULL,
  window_started_at timestamptz NOT NULL,
  locked_until timestamptz
);
COMMENT ON TABLE sign_in_throttle IS 'Failed sign-ins per account (keyed by a hash of the e-mail so unknown addresses are throttled too).';

CREATE TABLE audit_event (
  seq bigint PRIMARY KEY,
  id uuid NOT NULL UNIQUE,
  at timestamptz NOT NULL,
  actor_practitioner_id uuid,
  actor_agency_id uuid,
  action text NOT NULL,
  entity_type text,
  entity_id uuid,
  person_id uuid,
  purpose text,
  outcome text NOT NULL CHECK (outcome IN ('success', 'denied', 'not_found', 'failure')),
  detail jsonb NOT NULL DEFAULT '{}'::jsonb,
  prev_hash text NOT NULL,
  hash text NOT NULL
);
CREATE INDEX audit_event_entity ON audit_event (entity_id) WHERE entity_id IS NOT NULL;
CREATE INDEX audit_event_person ON audit_event (person_id) WHERE person_id IS NOT NULL;
COMMENT ON TABLE audit_event IS 'Append-only, hash-chained: hash = SHA-256(prev_hash + canonical entry). Holds identifiers, never names.';
COMMENT ON COLUMN audit_event.seq IS 'Gap-free sequence assigned under a lock, so a deleted row shows as a missing number.';

CREATE FUNCTION audit_event_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_event is append-only: % is not allowed', TG_OP;
END;
$$;
CREATE TRIGGER audit_event_no_update BEFORE UPDATE OR DELETE ON audit_event
  FOR EACH ROW EXECUTE FUNCTION audit_event_is_append_only();
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
  FOR EACH STATEMENT EXECUTE FUNCTION audit_event_is_append_only();
