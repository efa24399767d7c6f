-- A concern that reaches the designated safeguarding lead (issue 17, item 7), and a referral that
-- remembers the records it started from (item 8). When an immediate-risk referral was phoned needs
-- no column: it is made by phone, and made_at is the call (the statutory clock starts there).
--
-- A lead alert is not a sharing decision: it asks the holding agency's lead to look at a record.
-- Whatever the lead then decides (share, refer, nothing) is recorded by those journeys; the alert
-- records only that it was raised, by whom, why, and when and how it was dealt with.

CREATE TABLE lead_alert (
  id uuid PRIMARY KEY,
  record_id uuid NOT NULL UNIQUE REFERENCES agency_record(id),
  person_id uuid NOT NULL REFERENCES person(id),
  agency_id uuid NOT NULL REFERENCES agency(id),
  raised_by uuid NOT NULL REFERENCES practitioner(id),
  raised_at timestamptz NOT NULL,
  reason text NOT NULL CHECK (reason IN ('asked', 'agency_setting')),
  dealt_with_by uuid REFERENCES practitioner(id),
  dealt_with_at timestamptz,
  dealt_with_note text,
  CHECK ((dealt_with_at IS NULL) = (dealt_with_by IS NULL) AND (dealt_with_at IS NULL) = (dealt_with_note IS NULL))
);
CREATE INDEX lead_alert_open ON lead_alert (agency_id, raised_at) WHERE dealt_with_at IS NULL;
COMMENT ON TABLE lead_alert IS 'A record brought to the attention of its agency''s designated safeguarding lead(s); seen only by them.';
COMMENT ON COLUMN lead_alert.reason IS 'asked: the author ticked "Tell my safeguarding lead"; agency_setting: the agency asks for every record of this kind or category.';
COMMENT ON COLUMN lead_alert.dealt_with_note IS 'What the lead did or decided, in their words (e.g. "Referred to children''s social care").';

CREATE TABLE lead_alert_setting (
  agency_id uuid PRIMARY KEY REFERENCES agency(id),
  kinds text[] NOT NULL DEFAULT '{}',
  categories text[] NOT NULL DEFAULT '{}',
  updated_by uuid NOT NULL REFERENCES practitioner(id),
  updated_at timestamptz NOT NULL
);
COMMENT ON TABLE lead_alert_setting IS 'Which records an agency''s lead is told of without the author asking: any record of one of these kinds, or with one of these categories.';

ALTER TABLE referral ADD COLUMN from_record_ids uuid[] NOT NULL DEFAULT '{}';
COMMENT ON COLUMN referral.from_record_ids IS 'The referring agency''s records the referral started from (its concerns pre-filled from them).';
