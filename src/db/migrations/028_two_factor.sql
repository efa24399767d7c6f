-- Two-factor authentication for local accounts (issue 19): a TOTP key per practitioner (RFC 6238),
-- recovery codes for a lost phone, a partnership's choice to require it of everyone, and the
-- pending second step of a sign-in, kept in the database so it holds across processes and restarts.

CREATE TABLE practitioner_totp (
  practitioner_id uuid PRIMARY KEY REFERENCES practitioner(id),
  secret_sealed text NOT NULL,
  created_at timestamptz NOT NULL,
  enrolled_at timestamptz,
  last_used_step bigint
);
COMMENT ON TABLE practitioner_totp IS 'A practitioner''s authenticator app key (TOTP, SHA-1, 6 digits, 30 seconds).';
COMMENT ON COLUMN practitioner_totp.secret_sealed IS 'The base32 key, sealed with JIGSAW_SECRETS_KEY (src/shared/secret-box.ts, purpose totp).';
COMMENT ON COLUMN practitioner_totp.enrolled_at IS 'When the practitioner confirmed the key with a code; NULL while setting up (not yet asked at sign-in).';
COMMENT ON COLUMN practitioner_totp.last_used_step IS 'The time step of the last code accepted: a code of that step or earlier is refused (RFC 6238 section 5.2).';

CREATE TABLE recovery_code (
  practitioner_id uuid NOT NULL REFERENCES practitioner(id),
  code_hash text NOT NULL,
  created_at timestamptz NOT NULL,
  used_at timestamptz,
  PRIMARY KEY (practitioner_id, code_hash)
);
COMMENT ON TABLE recovery_code IS 'One-use codes for signing in without the authenticator app; 10 per set, a new set replaces the old.';
COMMENT ON COLUMN recovery_code.code_hash IS 'SHA-256 (hex) of the normalised code; the codes themselves are shown once and never stored.';

ALTER TABLE partnership ADD COLUMN require_two_factor boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN partnership.require_two_factor IS 'Everyone in the partnership''s agencies must use two-factor authentication (administrators and auditors always must).';

CREATE TABLE sign_in_challenge (
  token_hash text PRIMARY KEY,
  practitioner_id uuid NOT NULL REFERENCES practitioner(id),
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  wrong_attempts integer NOT NULL DEFAULT 0,
  CHECK (expires_at > created_at)
);
CREATE INDEX sign_in_challenge_practitioner ON sign_in_challenge (practitioner_id);
COMMENT ON TABLE sign_in_challenge IS 'A sign-in whose password was right, waiting for its second factor (a code or a recovery code).';
COMMENT ON COLUMN sign_in_challenge.token_hash IS 'SHA-256 (hex) of the random token in the browser''s short-lived cookie.';
COMMENT ON COLUMN sign_in_challenge.wrong_attempts IS 'Wrong codes given; past a few the challenge is dead and the password must be given again.';

CREATE TABLE two_factor_reset (
  id uuid PRIMARY KEY,
  practitioner_id uuid NOT NULL REFERENCES practitioner(id),
  reset_by uuid REFERENCES practitioner(id),
  reset_at timestamptz NOT NULL,
  reason text
);
CREATE INDEX two_factor_reset_practitioner ON two_factor_reset (practitioner_id);
COMMENT ON TABLE two_factor_reset IS 'Each reset of a practitioner''s second factor, with the administrator''s reason (the audit entry names this row, never the words).';
COMMENT ON COLUMN two_factor_reset.reset_by IS 'The administrator; NULL when the operator reset it with the jigsaw command.';
