-- Referrals to children's social care or the police (what-to-do-if-worried 10.6–12.5): what the
-- referrer sent, on which information-sharing decision, and how the receiving agency handled it.
-- Due dates are not stored: they are derived by the process engine from the facts below.

CREATE TABLE referral (
  id uuid PRIMARY KEY,
  from_public boolean NOT NULL DEFAULT false,
  from_agency_id uuid REFERENCES agency(id),
  referred_by uuid REFERENCES practitioner(id),
  to_agency_id uuid NOT NULL REFERENCES agency(id),
  recorded_by uuid NOT NULL REFERENCES practitioner(id),
  recorded_at timestamptz NOT NULL,
  idempotency_key text,
  child_person_id uuid REFERENCES person(id),
  subject jsonb NOT NULL,
  other_children jsonb NOT NULL DEFAULT '[]'::jsonb,
  channel text NOT NULL CHECK (channel IN ('phone', 'written', 'online')),
  urgent boolean NOT NULL DEFAULT false,
  made_at timestamptz NOT NULL,
  content jsonb NOT NULL,
  share_decision_id uuid REFERENCES share_decision(id),
  confirmed_in_writing_at timestamptz,
  written_confirmation_note text,
  handling text NOT NULL DEFAULT 'received' CHECK (handling IN ('received', 'accepted', 'routed')),
  received_person_id uuid REFERENCES person(id),
  episode_id uuid REFERENCES episode(id),
  routed_to uuid REFERENCES practitioner(id),
  accepted_by uuid REFERENCES practitioner(id),
  accepted_at timestamptz,
  acknowledged_by uuid REFERENCES practitioner(id),
  acknowledged_at timestamptz,
  decided_by uuid REFERENCES practitioner(id),
  decided_at timestamptz,
  outcome text CHECK (outcome IN ('assessment', 'other_agency', 'advice', 'no_further_action', 'strategy_discussion', 'criminal_investigation')),
  reasons text,
  CHECK (from_public OR (from_agency_id IS NOT NULL AND referred_by IS NOT NULL AND child_person_id IS NOT NULL AND share_decision_id IS NOT NULL)),
  CHECK (NOT from_public OR (from_agency_id IS NULL AND referred_by IS NULL AND child_person_id IS NULL)),
  CHECK ((outcome IS NULL) = (decided_at IS NULL) AND (outcome IS NULL OR reasons IS NOT NULL)),
  CHECK (channel = 'phone' OR confirmed_in_writing_at IS NULL)
);
CREATE UNIQUE INDEX referral_idempotency ON referral (recorded_by, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX referral_to ON referral (to_agency_id, decided_at);
CREATE INDEX referral_from ON referral (from_agency_id, made_at);
CREATE INDEX referral_child ON referral (child_person_id);
CREATE INDEX referral_episode ON referral (episode_id) WHERE episode_id IS NOT NULL;
COMMENT ON TABLE referral IS 'A referral of a child (and any siblings or household children) to children''s social care or the police, and its handling.';
COMMENT ON COLUMN referral.from_public IS 'Made by a member of the public and recorded by the receiving agency on their behalf; who they are is in referral_protected_source (12.5).';
COMMENT ON COLUMN referral.from_agency_id IS 'The referring agency; NULL for a member of the public.';
COMMENT ON COLUMN referral.referred_by IS 'The referring practitioner, who is told the outcome (12.2); NULL for a member of the public.';
COMMENT ON COLUMN referral.to_agency_id IS 'The receiving children''s social care or police agency.';
COMMENT ON COLUMN referral.recorded_by IS 'Who entered it: the referrer, or for a member of the public the receiving practitioner.';
COMMENT ON COLUMN referral.idempotency_key IS 'Retrying with the same key (per recorder) returns the referral already made.';
COMMENT ON COLUMN referral.child_person_id IS 'The referrer''s own index entry for the child; never shown to the receiving agency except as the subject of the shared records.';
COMMENT ON COLUMN referral.subject IS 'The child''s identity as sent (names, date of birth, sex, NHS number; the address only when the share decision included it).';
COMMENT ON COLUMN referral.other_children IS 'Siblings and other children in the household referred with the child: the referrer''s entry id, relationship and identity as sent.';
COMMENT ON COLUMN referral.channel IS 'phone, written or online; a phone referral is confirmed in writing within 48 hours (11.5).';
COMMENT ON COLUMN referral.made_at IS 'When the referral was made, i.e. received: the working-day clock starts here.';
COMMENT ON COLUMN referral.content IS 'Concerns; the three Assessment Framework domains (10.6); the child''s wishes and feelings (10.7); whether the family was told and agreed (11.3); what the family will be told, by whom and when (11.4).';
COMMENT ON COLUMN referral.share_decision_id IS 'The information-sharing decision the referral rests on: made by the referrer''s agency, to share, with the receiving agency among its recipients.';
COMMENT ON COLUMN referral.handling IS 'received: waiting in the queue; accepted: an episode was opened for the receiving agency''s own entry; routed: recorded against the open episode of a child already known, for the allocated worker (11.2).';
COMMENT ON COLUMN referral.received_person_id IS 'The receiving agency''s own index entry for the child, once accepted or routed.';
COMMENT ON COLUMN referral.episode_id IS 'The episode the referral opened (accepted) or was recorded against (routed).';
COMMENT ON COLUMN referral.routed_to IS 'The allocated social worker told of the referral (11.2).';
COMMENT ON COLUMN referral.outcome IS 'The next course of action (12.1); criminal_investigation only for the police, assessment only for children''s social care.';
COMMENT ON COLUMN referral.reasons IS 'The reasons for the decision, fed back to a professional referrer (12.2).';

CREATE TABLE referral_protected_source (
  referral_id uuid PRIMARY KEY REFERENCES referral(id),
  details jsonb NOT NULL,
  consent_to_disclose boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE referral_protected_source IS 'Who a member of the public is: seen only by the receiving agency''s safeguarding leads and managers (12.5).';
COMMENT ON COLUMN referral_protected_source.details IS 'Name, how to contact them and how they know the child, as far as they gave them.';
COMMENT ON COLUMN referral_protected_source.consent_to_disclose IS 'Whether they agreed to their identity being disclosed to third parties, including the family and other agencies (12.5).';
