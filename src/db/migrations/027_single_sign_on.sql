-- Single sign-on through each agency's (or the partnership's) OpenID Connect provider (issue 19):
-- Microsoft Entra ID for councils and schools, NHS CIS2 for health, a police force's own directory.
-- Nobody is created by signing in: the provider's subject is matched to a practitioner an
-- administrator has already added, by a link made once (practitioner_identity) or, when the
-- provider is trusted to vouch for e-mail addresses, by the practitioner's e-mail address.

CREATE TABLE identity_provider (
  id uuid PRIMARY KEY,
  -- Whose practitioners it may sign in: one agency's, every agency's in one partnership, or (the
  -- provider configured by environment, JIGSAW_OIDC_*) any registered practitioner of the deployment.
  agency_id uuid REFERENCES agency(id),
  partnership_id uuid REFERENCES partnership(id),
  from_environment boolean NOT NULL DEFAULT false,
  name text NOT NULL,
  issuer text NOT NULL,
  client_id text NOT NULL,
  client_secret_sealed text,
  scopes text NOT NULL DEFAULT 'openid email profile',
  email_claim text,
  email_must_be_verified boolean NOT NULL DEFAULT true,
  require_mfa boolean NOT NULL DEFAULT false,
  mfa_acr_values text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  disabled_at timestamptz,
  CHECK (CASE WHEN from_environment THEN agency_id IS NULL AND partnership_id IS NULL ELSE num_nonnulls(agency_id, partnership_id) = 1 END)
);
CREATE UNIQUE INDEX identity_provider_one_from_environment ON identity_provider (from_environment) WHERE from_environment;
CREATE INDEX identity_provider_agency ON identity_provider (agency_id);
CREATE INDEX identity_provider_partnership ON identity_provider (partnership_id);
COMMENT ON TABLE identity_provider IS 'An OpenID Connect provider whose accounts may sign in registered practitioners of one agency, one partnership, or (from_environment) the deployment.';
COMMENT ON COLUMN identity_provider.name IS 'Shown on the sign-in button: "Sign in with <name>".';
COMMENT ON COLUMN identity_provider.client_secret_sealed IS 'The client secret sealed with JIGSAW_SECRETS_KEY (src/shared/secret-box.ts, purpose oidc-client-secret); NULL for a public client or the environment''s provider (whose secret stays in the environment).';
COMMENT ON COLUMN identity_provider.email_claim IS 'The ID token claim holding the e-mail address to match a practitioner by (e.g. email, preferred_username); NULL: match by linked subject only.';
COMMENT ON COLUMN identity_provider.email_must_be_verified IS 'Match by e-mail only when the token says email_verified = true (Microsoft Entra ID sends no email_verified: set false only for a claim the organisation controls, such as preferred_username in its own tenant).';
COMMENT ON COLUMN identity_provider.require_mfa IS 'Refuse a sign-in unless the provider says the person used more than one factor (amr) or an acr in mfa_acr_values.';
COMMENT ON COLUMN identity_provider.mfa_acr_values IS 'acr values that count as multi-factor for this provider (e.g. AAL3 for NHS CIS2).';

CREATE TABLE practitioner_identity (
  provider_id uuid NOT NULL REFERENCES identity_provider(id),
  subject text NOT NULL,
  practitioner_id uuid NOT NULL REFERENCES practitioner(id),
  linked_at timestamptz NOT NULL,
  last_sign_in_at timestamptz,
  PRIMARY KEY (provider_id, subject)
);
CREATE INDEX practitioner_identity_practitioner ON practitioner_identity (practitioner_id);
COMMENT ON TABLE practitioner_identity IS 'A provider''s account (its sub claim) linked to a practitioner: made at the first sign-in matched by e-mail, removed by an administrator.';

-- A sign-in in flight: in the database, so any server process can finish it, and only once.
CREATE TABLE oidc_sign_in (
  state_hash text PRIMARY KEY,
  provider_id uuid NOT NULL REFERENCES identity_provider(id),
  browser_hash text NOT NULL,
  code_verifier text NOT NULL,
  nonce text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  CHECK (expires_at > created_at)
);
CREATE INDEX oidc_sign_in_expires ON oidc_sign_in (expires_at);
COMMENT ON TABLE oidc_sign_in IS 'A single sign-on begun and not yet finished: SHA-256 of its state, the PKCE verifier and nonce; it works once, for 10 minutes, in the browser that began it.';
COMMENT ON COLUMN oidc_sign_in.browser_hash IS 'SHA-256 of a random value in a cookie of the browser that began the sign-in: a callback link handed to someone else does not sign them in.';

ALTER TABLE web_session ADD COLUMN identity_provider_id uuid REFERENCES identity_provider(id);
COMMENT ON COLUMN web_session.identity_provider_id IS 'Single sign-on only: the provider the session was opened through.';
