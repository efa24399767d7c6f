-- Possible same-person entries found when an entry is written (issue 21), so that a person's page
-- can say "other entries may be this person" without matching on every view: the matcher's key
-- lookup and scoring were a quarter of the page's work. The list itself (with the explanations and
-- what may be disclosed of another agency's entry) is still worked out live on the candidates page.
CREATE TABLE match_suggestion (
  person_id uuid NOT NULL REFERENCES person(id),
  other_person_id uuid NOT NULL REFERENCES person(id),
  probability double precision NOT NULL,
  found_at timestamptz NOT NULL,
  PRIMARY KEY (person_id, other_person_id)
);
CREATE INDEX match_suggestion_other ON match_suggestion (other_person_id);
COMMENT ON TABLE match_suggestion IS 'A possible same-person pair found when either entry was last written, kept in both directions with the score from the side written last. Read-time filters leave out pairs since linked, recorded as not the same, or outside the holder''s partnerships.';

ALTER TABLE person_match ADD COLUMN suggested_at timestamptz;
COMMENT ON COLUMN person_match.suggested_at IS 'When possible same-person entries were last looked for from this entry (NULL: never, e.g. entries loaded in bulk or written before migration 043).';
