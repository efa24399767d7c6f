-- Multi-agency meetings: strategy discussions, conferences, core groups and standing panels
-- (a joint action group, a MARAC-style risk conference), with agendas, invitees, attendance,
-- contributions shared through recorded decisions, decisions and actions with owners.

CREATE TABLE meeting (
  id uuid PRIMARY KEY,
  convening_agency_id uuid NOT NULL REFERENCES agency(id),
  kind text NOT NULL CHECK (kind IN ('strategy_discussion', 'conference', 'core_group', 'standing_panel')),
  title text NOT NULL,
  series text,
  episode_id uuid REFERENCES episode(id),
  scheduled_at timestamptz NOT NULL,
  chair_id uuid REFERENCES practitioner(id),
  status text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'held', 'cancelled')),
  held_at timestamptz,
  minutes text,
  family_told text,
  created_by uuid NOT NULL REFERENCES practitioner(id),
  created_at timestamptz NOT NULL
);
CREATE INDEX meeting_agency ON meeting (convening_agency_id, scheduled_at);
CREATE INDEX meeting_series ON meeting (series) WHERE series IS NOT NULL;
COMMENT ON COLUMN meeting.series IS 'Meetings of one series (a panel, a core group) review each other''s actions.';

CREATE TABLE meeting_subject (
  meeting_id uuid NOT NULL REFERENCES meeting(id),
  person_id uuid NOT NULL REFERENCES person(id),
  position integer NOT NULL,
  PRIMARY KEY (meeting_id, person_id)
);

CREATE TABLE meeting_invitee (
  meeting_id uuid NOT NULL REFERENCES meeting(id),
  agency_id uuid NOT NULL REFERENCES agency(id),
  practitioner_id uuid REFERENCES practitioner(id),
  attended boolean,
  apologies text
);
CREATE INDEX meeting_invitee_meeting ON meeting_invitee (meeting_id);
CREATE INDEX meeting_invitee_agency ON meeting_invitee (agency_id);

CREATE TABLE meeting_contribution (
  meeting_id uuid NOT NULL REFERENCES meeting(id),
  agency_id uuid NOT NULL REFERENCES agency(id),
  share_decision_id uuid NOT NULL REFERENCES share_decision(id),
  added_by uuid NOT NULL REFERENCES practitioner(id),
  added_at timestamptz NOT NULL,
  PRIMARY KEY (meeting_id, share_decision_id)
);
COMMENT ON TABLE meeting_contribution IS 'What an agency brought to the meeting: always through a recorded share decision.';

CREATE TABLE meeting_decision (
  meeting_id uuid NOT NULL REFERENCES meeting(id),
  position integer NOT NULL,
  text text NOT NULL,
  PRIMARY KEY (meeting_id, position)
);

CREATE TABLE meeting_action (
  id uuid PRIMARY KEY,
  meeting_id uuid NOT NULL REFERENCES meeting(id),
  owner_id uuid NOT NULL REFERENCES practitioner(id),
  description text NOT NULL,
  due_on date NOT NULL,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'dropped')),
  closed_at timestamptz,
  closed_note text,
  reviewed_at_meeting_id uuid REFERENCES meeting(id)
);
CREATE INDEX meeting_action_owner ON meeting_action (owner_id, status);
CREATE INDEX meeting_action_meeting ON meeting_action (meeting_id);
