-- One-time set-password links (issue 16): an administrator (or the operator's CLI) creates a login
-- and gets a link to hand to its owner, who chooses the password. Nobody else ever sets or sees it.
-- (Numbered 018, leaving 015–017 to migrations written beside this one; the order does not matter.)

CREATE TABLE set_password_link (
  token_hash text PRIMARY KEY,
  practitioner_id uuid NOT NULL REFERENCES practitioner(id),
  issued_by uuid REFERENCES practitioner(id),
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  superseded_at timestamptz,
  CHECK (expires_at > created_at)
);
CREATE INDEX set_password_link_practitioner ON set_password_link (practitioner_id);
COMMENT ON TABLE set_password_link IS 'A link that lets one practitioner choose their own password, once, before it expires.';
COMMENT ON COLUMN set_password_link.token_hash IS 'SHA-256 (hex) of the 32 random bytes in the link; the link itself is shown once and never stored.';
COMMENT ON COLUMN set_password_link.issued_by IS 'The administrator who issued it; NULL when the operator issued it with the jigsaw command.';
COMMENT ON COLUMN set_password_link.superseded_at IS 'When a newer link for the same practitioner replaced this one, unused.';
