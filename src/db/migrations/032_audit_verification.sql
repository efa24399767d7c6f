-- Issue 19, item 5: the auditors' pages.
--
-- Searching one agency's audit trail, newest first, by who acted, what they did and when: each
-- search walks back from a sequence number (keyset pages of 50), so each index ends in seq.
CREATE INDEX audit_event_agency_seq ON audit_event (actor_agency_id, seq) WHERE actor_agency_id IS NOT NULL;
CREATE INDEX audit_event_practitioner_seq ON audit_event (actor_practitioner_id, seq) WHERE actor_practitioner_id IS NOT NULL;
CREATE INDEX audit_event_action_seq ON audit_event (action, seq);
CREATE INDEX audit_event_person_seq ON audit_event (person_id, seq) WHERE person_id IS NOT NULL;
CREATE INDEX audit_event_at ON audit_event (at);

-- The result of each check of the whole chain (verifyAuditChain), from the auditor's "Check the chain
-- now" (or the API) and from `jigsaw audit verify`: the pages show the newest. Numbers, kinds and the
-- verifier's own sentences only (they name entry numbers, never an entry's content).
CREATE TABLE audit_verification (
  id uuid PRIMARY KEY,
  -- The order results were stored in: "the newest check" is the last stored (clocks may tie).
  n bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  -- 'page', 'api' or 'cli'.
  source text NOT NULL CHECK (source IN ('page', 'api', 'cli')),
  -- Who asked, when a practitioner did (none for the CLI).
  practitioner_id uuid REFERENCES practitioner(id),
  agency_id uuid REFERENCES agency(id),
  started_at timestamptz NOT NULL,
  finished_at timestamptz NOT NULL,
  intact boolean NOT NULL,
  -- Checked against the audit key (entry seals and seals of the chain), or the hash chain alone.
  keyed boolean NOT NULL,
  entries bigint NOT NULL,
  -- The newest entry checked (0 for an empty trail).
  last_seq bigint NOT NULL,
  first_broken_seq bigint,
  problem_count integer NOT NULL,
  -- At most 20 problems: [{seq, to?, kind, problem, accepted?}].
  problems jsonb NOT NULL DEFAULT '[]'::jsonb,
  -- With the key: the newest entry a seal of the chain covers.
  sealed_through bigint
);
COMMENT ON TABLE audit_verification IS 'Results of checking the whole audit chain (page, API or jigsaw audit verify); the auditors'' pages show the newest.';
