-- Monitoring after closure, followed up (issue 17, item 4): an unacknowledged closure notice is
-- chased, then escalated to the agency's safeguarding leads after two working days; a missed
-- check is cleared only by the check being recorded, or by a reason. See
-- src/process/closure-notices.ts and src/process/missed-checks.ts.

ALTER TABLE closure_notice ADD COLUMN reminded_at timestamptz;
ALTER TABLE closure_notice ADD COLUMN escalated_at timestamptz;
COMMENT ON COLUMN closure_notice.reminded_at IS 'When the agency''s named recipient was reminded that the notice is not yet acknowledged (once).';
COMMENT ON COLUMN closure_notice.escalated_at IS 'When the notice, unacknowledged after two working days, was escalated to the agency''s safeguarding leads (once).';

ALTER TABLE monitoring_alert ADD COLUMN resolved_by_check_id uuid REFERENCES monitoring_check(id);
COMMENT ON COLUMN monitoring_alert.resolved_by_check_id IS 'The check whose recording cleared the alert; null when it was cleared with a reason (acknowledgement_note) or is still open.';

ALTER TABLE monitoring_check ADD COLUMN place text;
COMMENT ON COLUMN monitoring_check.place IS 'Where the check was made (at home, at clinic, at nursery): the responsible agency''s own, like the note.';
