-- Matching without disclosure (issue 16, defect 5). "Possible same person" told anyone who typed a
-- name and a date of birth which agencies — a sexual health clinic among them — knew the child, with
-- their ids. Now: an agency can be marked sensitive (never named to another agency); another
-- agency's candidate is handed out only as an opaque offer to a role with a basis; and a
-- cross-agency "same person" needs that agency's agreement (a link request) or a lawful basis.

ALTER TABLE agency ADD COLUMN sensitive boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN agency.sensitive IS 'Marked by the partnership or the agency''s administrator: never named to another agency as holding a possible match (sexual health, mental health and substance misuse services are always treated so, whatever this says).';

CREATE TABLE match_offer (
  id uuid PRIMARY KEY,
  practitioner_id uuid NOT NULL REFERENCES practitioner(id),
  agency_id uuid NOT NULL REFERENCES agency(id),
  candidate_person_id uuid NOT NULL REFERENCES person(id),
  candidate_agency_id uuid NOT NULL REFERENCES agency(id),
  named boolean NOT NULL,
  offered_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  UNIQUE (practitioner_id, candidate_person_id)
);
COMMENT ON TABLE match_offer IS 'Another agency''s possible match shown to one practitioner: its id is the only reference they are given (never the entry''s id), and it is accepted by the same-person and not-same-person endpoints until it expires.';
COMMENT ON COLUMN match_offer.named IS 'Whether the holding agency was named to the practitioner (false: shown only as "another service").';

CREATE TABLE person_link_request (
  id uuid PRIMARY KEY,
  person_id uuid NOT NULL REFERENCES person(id),
  other_person_id uuid NOT NULL REFERENCES person(id),
  requested_by uuid NOT NULL REFERENCES practitioner(id),
  requested_at timestamptz NOT NULL,
  reason text NOT NULL,
  probability double precision NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'declined')),
  decided_by uuid REFERENCES practitioner(id),
  decided_at timestamptz,
  decision_reason text,
  link_id uuid REFERENCES person_link(id),
  CHECK (person_id <> other_person_id),
  CHECK ((status = 'pending') = (decided_at IS NULL))
);
CREATE UNIQUE INDEX person_link_request_pending ON person_link_request (least(person_id, other_person_id), greatest(person_id, other_person_id)) WHERE status = 'pending';
CREATE INDEX person_link_request_other ON person_link_request (other_person_id);
COMMENT ON TABLE person_link_request IS 'A request by the agency holding person_id to record that other_person_id (another agency''s entry) is the same person. Nothing becomes visible until the holder of other_person_id accepts it (which records a person_link).';

ALTER TABLE person_link ADD COLUMN lawful_basis text;
ALTER TABLE person_link ADD COLUMN via_request_id uuid REFERENCES person_link_request(id);
COMMENT ON COLUMN person_link.lawful_basis IS 'When children''s social care linked another agency''s entry without that agency''s agreement: the lawful basis it recorded (src/sharing/schemas.ts LEGAL_BASES), with the reason.';
COMMENT ON COLUMN person_link.via_request_id IS 'The link request the other agency accepted, when the link was made that way.';
