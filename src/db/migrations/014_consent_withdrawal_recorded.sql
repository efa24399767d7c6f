-- Consent withdrawal: when the person says they withdrew, and when it was recorded, are two facts.
-- Access ends when the withdrawal is recorded; before this migration a withdrawal dated in the past
-- (say 2000-01-01) set the shares' end before they had even started, rewriting their history.

ALTER TABLE consent ADD COLUMN withdrawal_recorded_at timestamptz;
COMMENT ON COLUMN consent.withdrawn_at IS 'When the person withdrew consent, as they said (may be earlier than it was recorded); when no date was given, the time it was recorded.';
COMMENT ON COLUMN consent.withdrawal_recorded_at IS 'When the withdrawal was recorded in Jigsaw: the shares that relied on this consent ended then, never earlier.';

-- Withdrawals already recorded: the audit trail holds when each was recorded.
UPDATE consent c
   SET withdrawal_recorded_at = COALESCE(
         (SELECT max(a.at) FROM audit_event a WHERE a.action = 'consent.withdraw' AND a.outcome = 'success' AND a.entity_id = c.id),
         c.withdrawn_at)
 WHERE c.withdrawn_at IS NOT NULL;

-- Shares ended by a back-dated withdrawal were in fact open until it was recorded: put their end there.
UPDATE share_grant g
   SET revoked_at = GREATEST(c.withdrawal_recorded_at, g.valid_from)
  FROM share_decision d JOIN consent c ON c.id = d.consent_id
 WHERE g.decision_id = d.id AND d.revocation_reason = 'Consent withdrawn'
   AND c.withdrawn_at < c.withdrawal_recorded_at AND g.revoked_at = c.withdrawn_at;
UPDATE share_decision d
   SET revoked_at = c.withdrawal_recorded_at
  FROM consent c
 WHERE c.id = d.consent_id AND d.revocation_reason = 'Consent withdrawn'
   AND c.withdrawn_at < c.withdrawal_recorded_at AND d.revoked_at = c.withdrawn_at;

ALTER TABLE consent ADD CONSTRAINT consent_withdrawal_recorded
  CHECK ((withdrawn_at IS NULL) = (withdrawal_recorded_at IS NULL));
