-- SCIM 2.0 provisioning (issue 19): an agency's identity provider (Microsoft Entra ID, Okta …)
-- creates, updates and deactivates that agency's practitioners through /scim/v2 with a bearer token.

CREATE TABLE scim_token (
  id uuid PRIMARY KEY,
  agency_id uuid NOT NULL REFERENCES agency(id),
  name text NOT NULL,
  token_hash text NOT NULL UNIQUE,
  default_roles text[] NOT NULL DEFAULT ARRAY['practitioner'],
  created_by uuid REFERENCES practitioner(id),
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  last_used_at timestamptz,
  CHECK (expires_at > created_at)
);
CREATE INDEX scim_token_agency ON scim_token (agency_id);
COMMENT ON TABLE scim_token IS 'A bearer token with which one agency''s identity provider manages that agency''s practitioners, and no others.';
COMMENT ON COLUMN scim_token.token_hash IS 'SHA-256 (hex) of the token; the token itself is shown once when made and never stored.';
COMMENT ON COLUMN scim_token.default_roles IS 'Roles given to a practitioner the identity provider creates without naming any.';
COMMENT ON COLUMN scim_token.created_by IS 'The administrator who made it; NULL when the operator made it with the jigsaw command.';

ALTER TABLE practitioner
  ADD COLUMN external_id text,
  ADD COLUMN scim_given_name text,
  ADD COLUMN scim_family_name text,
  ADD COLUMN scim_deleted_at timestamptz;
CREATE UNIQUE INDEX practitioner_agency_external_id ON practitioner (agency_id, external_id) WHERE external_id IS NOT NULL;
COMMENT ON COLUMN practitioner.external_id IS 'The identity provider''s own identifier for the account (SCIM externalId, e.g. Entra''s objectId); unique within the agency.';
COMMENT ON COLUMN practitioner.scim_given_name IS 'Given name as the identity provider sent it (SCIM name.givenName), so a change to one part of the name can be applied; name is what Jigsaw shows.';
COMMENT ON COLUMN practitioner.scim_family_name IS 'Family name as the identity provider sent it (SCIM name.familyName).';
COMMENT ON COLUMN practitioner.scim_deleted_at IS 'When the identity provider deleted the account (SCIM DELETE): it stays, inactive, for the audit trail, and SCIM answers 404 for it from then on.';
