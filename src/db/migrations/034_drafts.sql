-- Several server processes behind one port (issue 21): everything a sequence of requests needs
-- lives here, so any process answers any request and a restart loses nothing typed.

-- A practitioner's answers between the questions of a journey (the sharing decision) or between a
-- form and its check-your-answers page (a referral, consent, a person, an action in a child's
-- episode, a meeting, a meeting's outcome). See src/web/drafts.ts.
CREATE TABLE web_draft (
  id uuid PRIMARY KEY,
  practitioner_id uuid NOT NULL REFERENCES practitioner(id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind ~ '^[a-z][a-z-]{0,39}$'),
  subject_id text NOT NULL,
  started_at timestamptz NOT NULL,
  idempotency_key uuid NOT NULL,
  answers jsonb,
  answers_sealed text,
  submitting_since timestamptz,
  result text,
  CHECK (num_nonnulls(answers, answers_sealed) = 1)
);
-- Expired drafts are deleted by a range on started_at whenever a draft is started: never a full scan.
CREATE INDEX web_draft_started_at ON web_draft (started_at);
-- A leaver's drafts go with their access (src/auth/end-access.ts).
CREATE INDEX web_draft_practitioner ON web_draft (practitioner_id);
COMMENT ON TABLE web_draft IS 'In-progress answers of one practitioner''s journey or form, found only by that practitioner (and kind and subject); gone after DRAFT_HOURS.';
COMMENT ON COLUMN web_draft.kind IS 'What the draft is for (share, referral, consent, person, episode-action, meeting, meeting-outcome): a draft of one kind is never found as another.';
COMMENT ON COLUMN web_draft.subject_id IS 'The person, episode or meeting the draft is about (''new'' for a person not yet added), checked against the page''s address.';
COMMENT ON COLUMN web_draft.idempotency_key IS 'Sent with the service call where the service takes one, so a retry never records twice.';
COMMENT ON COLUMN web_draft.answers IS 'What was typed (personal data), as JSON, when JIGSAW_SECRETS_KEY is not set; emptied once recorded.';
COMMENT ON COLUMN web_draft.answers_sealed IS 'The same, sealed with JIGSAW_SECRETS_KEY (src/shared/secret-box.ts, purpose web-draft:<id>) when it is set.';
COMMENT ON COLUMN web_draft.submitting_since IS 'Set by the one process recording the draft (a claim for a minute): a second submit waits for its result instead of recording again.';
COMMENT ON COLUMN web_draft.result IS 'Once recorded: the address of what was recorded, where every later submit of the draft leads.';

-- Keys every server process must share, made once by whichever process asks first.
CREATE TABLE server_key (
  name text PRIMARY KEY,
  key_sealed text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE server_key IS 'Keys shared by every server process (csrf: the HMAC key binding the forms'' CSRF tokens to the session).';
COMMENT ON COLUMN server_key.key_sealed IS '32 random bytes (base64url), sealed with JIGSAW_SECRETS_KEY when it is set (src/shared/secret-box.ts, purpose server-key:<name>).';
