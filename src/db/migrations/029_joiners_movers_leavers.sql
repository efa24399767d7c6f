-- Joiners, movers and leavers (issue 19): invitations by e-mail, forgotten passwords, changes to a
-- practitioner's roles, job title or agency with the reason kept, and API tokens that expire.

-- A set-password link is an invitation (a new or reactivated login, or an administrator's new link)
-- or a reset the practitioner asked for themselves ("Forgotten your password?"). A reset may expire
-- sooner (JIGSAW_RESET_PASSWORD_MINUTES) and is throttled per account.
ALTER TABLE set_password_link
  ADD COLUMN purpose text NOT NULL DEFAULT 'invitation' CHECK (purpose IN ('invitation', 'reset')),
  ADD COLUMN sent_to_email boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN set_password_link.purpose IS 'invitation: an administrator (or the operator) issued it; reset: the practitioner asked for it on the forgotten-password page.';
COMMENT ON COLUMN set_password_link.sent_to_email IS 'Whether the link was e-mailed to the practitioner (true) or shown once to whoever issued it (false).';

-- Every "Forgotten your password?" request, known address or not, so that nobody can flood an
-- inbox or probe the service: throttled per address asked about and per source address. Only
-- hashes are kept (the e-mail address typed may be anyone's).
CREATE TABLE password_reset_request (
  id uuid PRIMARY KEY,
  email_hash text NOT NULL,
  source_hash text NOT NULL,
  requested_at timestamptz NOT NULL
);
CREATE INDEX password_reset_request_email ON password_reset_request (email_hash, requested_at);
CREATE INDEX password_reset_request_source ON password_reset_request (source_hash, requested_at);
COMMENT ON TABLE password_reset_request IS 'Forgotten-password requests, for the throttle only: SHA-256 of the lower-cased e-mail typed and of the source address.';

-- A mover: what an administrator changed about a practitioner and why. The audit entry carries this
-- row's id and the names of the changed fields (audit entries hold no free text); the reason is here.
CREATE TABLE practitioner_change (
  id uuid PRIMARY KEY,
  -- The order changes were made in, when two share a moment.
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  practitioner_id uuid NOT NULL REFERENCES practitioner(id),
  changed_by uuid REFERENCES practitioner(id),
  changed_at timestamptz NOT NULL,
  kind text NOT NULL CHECK (kind IN ('details', 'deactivation', 'reactivation')),
  roles_before text[],
  roles_after text[],
  job_title_before text,
  job_title_after text,
  agency_before uuid REFERENCES agency(id),
  agency_after uuid REFERENCES agency(id),
  reason text NOT NULL CHECK (length(reason) > 0)
);
CREATE INDEX practitioner_change_practitioner ON practitioner_change (practitioner_id, seq);
COMMENT ON TABLE practitioner_change IS 'Movers and leavers: a change to a practitioner''s roles, job title, agency or whether they are active, with the administrator''s reason.';
COMMENT ON COLUMN practitioner_change.changed_by IS 'The administrator who made the change; NULL when the system (the operator''s command) did.';

-- API tokens expire (JIGSAW_API_TOKEN_DAYS, 90 by default). Tokens made before this migration with
-- no expiry get 90 days from the moment it runs, so no token works for ever.
ALTER TABLE api_token ADD COLUMN last_used_at timestamptz;
COMMENT ON COLUMN api_token.last_used_at IS 'When the token was last used, to the minute (touched at most once a minute).';
UPDATE api_token SET expires_at = now() + interval '90 days' WHERE expires_at IS NULL AND revoked_at IS NULL;
CREATE INDEX api_token_practitioner ON api_token (practitioner_id);
