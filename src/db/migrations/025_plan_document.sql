-- The child protection plan as a document the agencies around the child can read (issue 18).
-- The plan's content stays in the episode's append-only actions (each conference that makes or
-- changes it is a version); these tables say which plan it is and which agencies may read it, on
-- the lawful basis of a share decision recorded by the process when the conference decided.

CREATE TABLE plan (
  id uuid PRIMARY KEY,
  episode_id uuid NOT NULL REFERENCES episode(id),
  child_person_id uuid NOT NULL REFERENCES person(id),
  kind text NOT NULL CHECK (kind IN ('child_protection', 'child_in_need')),
  made_seq integer NOT NULL,
  made_at timestamptz NOT NULL,
  ended_seq integer,
  ended_at timestamptz,
  end_reason text
);
CREATE INDEX plan_episode ON plan (episode_id);
CREATE INDEX plan_child ON plan (child_person_id);
COMMENT ON TABLE plan IS 'A plan made by a conference: its versions are the episode''s conference_held actions from made_seq until ended_seq.';

CREATE TABLE plan_grant (
  plan_id uuid NOT NULL REFERENCES plan(id),
  decision_id uuid NOT NULL REFERENCES share_decision(id),
  version integer NOT NULL,
  grantee_agency_id uuid NOT NULL REFERENCES agency(id),
  entry_person_id uuid REFERENCES person(id),
  valid_from timestamptz NOT NULL,
  valid_until timestamptz,
  PRIMARY KEY (plan_id, version, grantee_agency_id)
);
CREATE INDEX plan_grant_grantee ON plan_grant (grantee_agency_id);
COMMENT ON TABLE plan_grant IS 'Which agencies (core group members'' and conference invitees'') read which version''s plan, by which share decision. A later version ends the grants of the one before.';
COMMENT ON COLUMN plan_grant.entry_person_id IS 'The grantee agency''s own entry for the child (same-person link), when it has one: its child page shows the plan.';
