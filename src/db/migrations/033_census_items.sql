-- What the Department for Education's Children in Need census needs and Jigsaw did not hold
-- (issue 20), recorded where the work happens. Codes are the DfE's (src/statutory-returns/cin/codes.ts);
-- null is "not recorded", which the census allows for some items and the validation page lists.

-- The child, as children's social care knows them (each agency's own entry of the person).
ALTER TABLE person
  ADD COLUMN ethnicity text CHECK (ethnicity ~ '^[A-Z]{4}$'),
  ADD COLUMN disabilities text[] CHECK (disabilities IS NULL OR cardinality(disabilities) BETWEEN 1 AND 13),
  ADD COLUMN upn text CHECK (upn ~ '^[A-Z][0-9]{11}[0-9A-Z]$'),
  ADD COLUMN former_upn text CHECK (former_upn ~ '^[A-Z][0-9]{11}[0-9A-Z]$'),
  ADD COLUMN upn_unknown text CHECK (upn_unknown ~ '^UN[1-7]$'),
  ADD COLUMN la_child_id text CHECK (la_child_id ~ '^[A-Za-z0-9]{1,20}$'),
  ADD COLUMN date_of_death date;
CREATE UNIQUE INDEX person_la_child_id ON person (agency_id, la_child_id) WHERE la_child_id IS NOT NULL;
COMMENT ON COLUMN person.ethnicity IS 'The DfE ethnicity code (WBRI … OOTH; REFU refused, NOBT not yet obtained); null: not recorded.';
COMMENT ON COLUMN person.disabilities IS 'The DfE disability codes (NONE, MOB, HAND, …); null: not recorded.';
COMMENT ON COLUMN person.upn IS 'The unique pupil number, 13 characters with its check letter first, validated before it is stored.';
COMMENT ON COLUMN person.upn_unknown IS 'Why there is no UPN (UN1–UN7), when there is none.';
COMMENT ON COLUMN person.la_child_id IS 'The authority''s own child identifier in the census (LAchildID); unique in the agency. Null: the census uses a stable identifier Jigsaw derives.';
COMMENT ON COLUMN person.date_of_death IS 'Date of death, when the child has died.';

-- The episode (the census's CINdetails): where the referral came from, the primary need found
-- when it was decided, why the case closed.
ALTER TABLE episode
  ADD COLUMN referral_source text CHECK (referral_source ~ '^([1-3][A-F]|[4-9]|5[A-D]|10)$'),
  ADD COLUMN primary_need text CHECK (primary_need ~ '^N[0-9]$'),
  ADD COLUMN closure_reason text CHECK (closure_reason ~ '^RC[1-9]$'),
  ADD COLUMN imported_from text;
COMMENT ON COLUMN episode.referral_source IS 'The DfE referral source code (1A … 10): derived from the referring agency''s type, chosen for a public referral or an episode opened directly; correctable.';
COMMENT ON COLUMN episode.primary_need IS 'The primary need code (N0–N9) found at the referral decision.';
COMMENT ON COLUMN episode.closure_reason IS 'The reason for closure (RC1–RC9) when the case closed.';
COMMENT ON COLUMN episode.imported_from IS 'Set on history loaded from an earlier census (`jigsaw cin import`): the file''s name and reference date. Null for episodes worked in Jigsaw.';

-- An assessment's census items, recorded when it is completed (and correctable afterwards): the
-- factors identified and the internal review date. Keyed by the action that completed it.
CREATE TABLE assessment_census (
  episode_id uuid NOT NULL,
  completed_seq integer NOT NULL,
  factors text[] NOT NULL DEFAULT '{}' CHECK (cardinality(factors) <= 60),
  internal_review_on date,
  recorded_by uuid NOT NULL REFERENCES practitioner(id),
  recorded_at timestamptz NOT NULL,
  PRIMARY KEY (episode_id, completed_seq),
  FOREIGN KEY (episode_id, completed_seq) REFERENCES episode_action (episode_id, seq)
);
COMMENT ON TABLE assessment_census IS 'The census items of a completed assessment (its FactorsIdentifiedAtAssessment and AssessmentInternalReviewDate); the completion date is the assessment_completed action''s.';
