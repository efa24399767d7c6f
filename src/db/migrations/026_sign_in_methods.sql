-- How each web session was opened (issue 19): a password alone, a password and a second factor,
-- or single sign-on through the agency's identity provider, with the provider's own account of how
-- the person authenticated (its `amr` and `acr` claims). An auditor reading the trail after a
-- child's death can then say whether an account that read a record had a second factor.
ALTER TABLE web_session
  ADD COLUMN method text NOT NULL DEFAULT 'password'
    CHECK (method IN ('password', 'password_totp', 'password_recovery_code', 'single_sign_on')),
  ADD COLUMN amr text[],
  ADD COLUMN acr text;
CREATE INDEX web_session_practitioner_open ON web_session (practitioner_id) WHERE ended_at IS NULL;
COMMENT ON COLUMN web_session.method IS 'How the session was opened: password, password_totp, password_recovery_code or single_sign_on.';
COMMENT ON COLUMN web_session.amr IS 'Single sign-on only: the identity provider''s amr claim (how the person authenticated, e.g. pwd, mfa, otp).';
COMMENT ON COLUMN web_session.acr IS 'Single sign-on only: the identity provider''s acr claim (the assurance level it vouches for).';
