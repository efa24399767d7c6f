-- Child-protection flags for health settings (CP-IS), their access history, "child was seen"
-- notifications with a delivery outbox, and system tokens for the FHIR R4 interface.
-- Flags are derived: rewritten from the episode's actions (src/flags/flags.ts, syncFlags), from a
-- looked-after period or from a recorded birth. Nobody types a flag.

CREATE TABLE looked_after_period (
  id uuid PRIMARY KEY,
  agency_id uuid NOT NULL REFERENCES agency(id),
  person_id uuid NOT NULL REFERENCES person(id),
  legal_status text NOT NULL,
  started_at timestamptz NOT NULL,
  ended_at timestamptz,
  end_reason text,
  recorded_by uuid NOT NULL REFERENCES practitioner(id),
  recorded_at timestamptz NOT NULL,
  ended_by uuid REFERENCES practitioner(id),
  CHECK (ended_at IS NULL OR ended_at >= started_at),
  CHECK ((ended_at IS NULL) = (ended_by IS NULL))
);
CREATE INDEX looked_after_person ON looked_after_period (person_id);
COMMENT ON TABLE looked_after_period IS 'A period in which a child is looked after by the local authority, recorded by the authority; it derives a looked-after flag.';
COMMENT ON COLUMN looked_after_period.person_id IS 'The authority''s own index entry for the child.';
COMMENT ON COLUMN looked_after_period.legal_status IS 'Why the child is looked after, e.g. care_order, interim_care_order, section_20 (accommodated by agreement).';

CREATE TABLE birth_record (
  unborn_person_id uuid PRIMARY KEY REFERENCES person(id),
  child_person_id uuid NOT NULL UNIQUE REFERENCES person(id),
  born_at timestamptz NOT NULL,
  recorded_by uuid NOT NULL REFERENCES practitioner(id),
  recorded_at timestamptz NOT NULL,
  CHECK (unborn_person_id <> child_person_id)
);
COMMENT ON TABLE birth_record IS 'The authority records that the unborn child it holds an entry for has been born as the child of another entry: an unborn-child flag ends at the birth and the plan''s flag continues on the child.';

CREATE TABLE flag (
  id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('child_protection_plan', 'looked_after', 'unborn_child_protection_plan')),
  person_id uuid NOT NULL REFERENCES person(id),
  authority_agency_id uuid NOT NULL REFERENCES agency(id),
  episode_id uuid REFERENCES episode(id),
  looked_after_id uuid REFERENCES looked_after_period(id),
  period_start timestamptz NOT NULL,
  period_end timestamptz,
  CHECK ((episode_id IS NULL) <> (looked_after_id IS NULL)),
  CHECK (period_end IS NULL OR period_end >= period_start)
);
-- Lookups start from person.nhs_number (index person_nhs_number, migration 001) and come here.
CREATE INDEX flag_person ON flag (person_id, period_end);
CREATE INDEX flag_episode ON flag (episode_id) WHERE episode_id IS NOT NULL;
CREATE INDEX flag_looked_after ON flag (looked_after_id) WHERE looked_after_id IS NOT NULL;
COMMENT ON TABLE flag IS 'Derived: what a health setting sees. Rewritten from the episode (plan start to plan end), a looked-after period or a birth; ids are stable (a hash of source, kind and start).';
COMMENT ON COLUMN flag.person_id IS 'The responsible authority''s own entry for the child (or the unborn child).';
COMMENT ON COLUMN flag.period_end IS 'NULL while active. A plan''s end ends its flag at the same moment.';

CREATE TABLE flag_authority_settings (
  agency_id uuid PRIMARY KEY REFERENCES agency(id),
  office_hours_phone text,
  out_of_hours_phone text,
  webhook_url text,
  webhook_secret text,
  notify_email text,
  updated_by uuid NOT NULL REFERENCES practitioner(id),
  updated_at timestamptz NOT NULL
);
COMMENT ON TABLE flag_authority_settings IS 'How health settings reach the responsible authority about a flagged child, and where its "child was seen" notifications go.';
COMMENT ON COLUMN flag_authority_settings.office_hours_phone IS 'Shown with every flag as telecom use=work.';
COMMENT ON COLUMN flag_authority_settings.out_of_hours_phone IS 'Shown with every flag as telecom use=mobile (the emergency duty team).';
COMMENT ON COLUMN flag_authority_settings.webhook_secret IS 'HMAC-SHA256 key for signing webhook deliveries; shown to the authority once, when generated.';
COMMENT ON COLUMN flag_authority_settings.notify_email IS 'Receives an e-mail with a link only, never personal details.';

CREATE TABLE health_setting (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  type text NOT NULL CHECK (type IN ('emergency_department', 'urgent_care', 'walk_in_centre', 'maternity', 'out_of_hours_gp', 'ambulance')),
  ods_code text,
  created_at timestamptz NOT NULL
);
COMMENT ON TABLE health_setting IS 'An NHS care setting whose system calls the FHIR interface with a system token.';

CREATE TABLE fhir_system_token (
  id uuid PRIMARY KEY,
  health_setting_id uuid NOT NULL REFERENCES health_setting(id),
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL,
  expires_at timestamptz,
  revoked_at timestamptz
);
COMMENT ON TABLE fhir_system_token IS 'Bearer tokens for /fhir/r4 only. Kept apart from api_token so that a health setting''s token can never resolve to a practitioner on /api/v1.';
COMMENT ON COLUMN fhir_system_token.token_hash IS 'SHA-256 of the token; the token is shown once.';

CREATE TABLE flag_access (
  id uuid PRIMARY KEY,
  person_id uuid NOT NULL REFERENCES person(id),
  accessed_at timestamptz NOT NULL,
  unscheduled boolean NOT NULL,
  via text NOT NULL CHECK (via IN ('fhir', 'api')),
  search text NOT NULL CHECK (search IN ('nhs_number', 'demographics')),
  health_setting_id uuid REFERENCES health_setting(id),
  practitioner_id uuid REFERENCES practitioner(id),
  agency_id uuid REFERENCES agency(id),
  setting_name text NOT NULL,
  setting_type text NOT NULL,
  CHECK ((health_setting_id IS NULL) <> (practitioner_id IS NULL))
);
CREATE INDEX flag_access_person ON flag_access (person_id, accessed_at);
COMMENT ON TABLE flag_access IS 'The flagged child''s access history: who looked, from which setting, when, and whether the attendance was unscheduled. Append-only.';
COMMENT ON COLUMN flag_access.person_id IS 'The responsible authority''s entry for the child whose flags were shown.';
COMMENT ON COLUMN flag_access.search IS 'nhs_number: an identified child; demographics: shown as one of the candidates for a name, date of birth and postcode.';

CREATE FUNCTION flag_access_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'flag_access is append-only: % is not allowed', TG_OP;
END;
$$;
CREATE TRIGGER flag_access_no_change BEFORE UPDATE OR DELETE ON flag_access
  FOR EACH ROW EXECUTE FUNCTION flag_access_is_append_only();

CREATE TABLE seen_notification (
  id uuid PRIMARY KEY,
  agency_id uuid NOT NULL REFERENCES agency(id),
  person_id uuid NOT NULL REFERENCES person(id),
  flag_access_id uuid NOT NULL REFERENCES flag_access(id),
  seen_at timestamptz NOT NULL,
  setting_name text NOT NULL,
  setting_type text NOT NULL,
  attendances_12_months integer NOT NULL,
  created_at timestamptz NOT NULL,
  acknowledged_at timestamptz,
  acknowledged_by uuid REFERENCES practitioner(id),
  acknowledgement_note text,
  escalated_at timestamptz,
  CHECK ((acknowledged_at IS NULL) = (acknowledged_by IS NULL))
);
CREATE INDEX seen_notification_agency ON seen_notification (agency_id, created_at);
CREATE INDEX seen_notification_unacknowledged ON seen_notification (created_at) WHERE acknowledged_at IS NULL AND escalated_at IS NULL;
COMMENT ON TABLE seen_notification IS '"Child was seen": a flagged child was looked up for an unscheduled attendance. The responsible authority acknowledges it; unacknowledged ones escalate to its managers.';
COMMENT ON COLUMN seen_notification.attendances_12_months IS 'Unscheduled attendances recorded for this child in the 12 months up to and including this one.';

CREATE TABLE seen_delivery (
  id uuid PRIMARY KEY,
  notification_id uuid NOT NULL REFERENCES seen_notification(id),
  channel text NOT NULL CHECK (channel IN ('webhook', 'email')),
  target text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  delivered_at timestamptz,
  last_error text,
  created_at timestamptz NOT NULL
);
CREATE INDEX seen_delivery_due ON seen_delivery (next_attempt_at) WHERE delivered_at IS NULL;
COMMENT ON TABLE seen_delivery IS 'Outbox: one row per notification and channel, retried with exponential back-off until delivered; never dropped.';
COMMENT ON COLUMN seen_delivery.target IS 'The webhook URL or e-mail address when the notification was raised.';
COMMENT ON COLUMN seen_delivery.last_error IS 'What went wrong last time, as a kind (http_503, timeout, refused), never a response body.';
