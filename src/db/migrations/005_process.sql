-- The child-protection process: referrals, episodes as append-only actions, and the derived
-- projection of each episode's stage and due steps (rebuilt from the actions on every write).

ALTER TABLE partnership ADD COLUMN assessment_model text NOT NULL DEFAULT 'single_45'
  CHECK (assessment_model IN ('single_45', 'initial_7_core_35'));
COMMENT ON COLUMN partnership.assessment_model IS 'single_45: one assessment within 45 working days (today); initial_7_core_35: the older initial + core assessments.';

CREATE TABLE episode (
  id uuid PRIMARY KEY,
  agency_id uuid NOT NULL REFERENCES agency(id),
  child_person_id uuid NOT NULL REFERENCES person(id),
  allocated_worker_id uuid REFERENCES practitioner(id),
  team text,
  opened_at timestamptz NOT NULL,
  stage text NOT NULL,
  closed_at timestamptz,
  action_count integer NOT NULL DEFAULT 0
);
CREATE INDEX episode_child ON episode (child_person_id);
CREATE INDEX episode_open ON episode (agency_id) WHERE closed_at IS NULL;
COMMENT ON TABLE episode IS 'A child''s episode with children''s social care. stage and closed_at are derived from episode_action (src/process/engine.ts).';

CREATE TABLE episode_action (
  episode_id uuid NOT NULL REFERENCES episode(id),
  seq integer NOT NULL,
  type text NOT NULL,
  occurred_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL,
  recorded_by uuid NOT NULL REFERENCES practitioner(id),
  idempotency_key text NOT NULL,
  facts jsonb NOT NULL,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  PRIMARY KEY (episode_id, seq),
  UNIQUE (episode_id, idempotency_key)
);
COMMENT ON TABLE episode_action IS 'Append-only: what happened in an episode, in order. Retrying with the same idempotency key records nothing new.';

CREATE FUNCTION episode_action_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'episode_action is append-only: % is not allowed', TG_OP;
END;
$$;
CREATE TRIGGER episode_action_no_change BEFORE UPDATE OR DELETE ON episode_action
  FOR EACH ROW EXECUTE FUNCTION episode_action_is_append_only();

CREATE TABLE episode_step (
  episode_id uuid NOT NULL REFERENCES episode(id),
  key text NOT NULL,
  label text NOT NULL,
  due_date date NOT NULL,
  due_at timestamptz,
  paragraph text NOT NULL,
  prompt boolean NOT NULL DEFAULT false,
  PRIMARY KEY (episode_id, key)
);
CREATE INDEX episode_step_due ON episode_step (due_date);
COMMENT ON TABLE episode_step IS 'Projection: the steps each open episode is waiting for, with their due dates. Rebuilt from the actions on every write, so "what is due or overdue" is one indexed query.';
