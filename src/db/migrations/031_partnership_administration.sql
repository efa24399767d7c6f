-- Partnership administration on the pages (issue 19, item 4). Children's social care is known to
-- the Department for Education by its local authority's three-digit code (e.g. 931): the census
-- returns of issue 20 need it, and two agencies can never share one.
ALTER TABLE agency ADD COLUMN local_authority_code text CHECK (local_authority_code ~ '^[0-9]{3}$');
CREATE UNIQUE INDEX agency_local_authority_code ON agency (local_authority_code) WHERE local_authority_code IS NOT NULL;
COMMENT ON COLUMN agency.local_authority_code IS 'Children''s social care only: the DfE''s three-digit local authority code (e.g. 931). Unique.';

-- Who made and who revoked each FHIR token: a partnership administrator on the pages or the API,
-- or nobody (the operator's command line).
ALTER TABLE fhir_system_token
  ADD COLUMN created_by uuid REFERENCES practitioner(id),
  ADD COLUMN revoked_by uuid REFERENCES practitioner(id);
COMMENT ON COLUMN fhir_system_token.created_by IS 'The partnership administrator who made the token; null when made on the command line.';
COMMENT ON COLUMN fhir_system_token.revoked_by IS 'The partnership administrator who revoked the token; null when revoked on the command line or not revoked.';
