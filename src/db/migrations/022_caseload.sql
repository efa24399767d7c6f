-- "My children" (issue 17): a practitioner's caseload is read by practitioner — the children they
-- are lead worker for, allocated to, monitoring or invited to a meeting about. These indexes let
-- each of those sources find one practitioner's rows without reading every row of the table.
-- (Numbered 022, leaving 019–021 to migrations written beside this one; the order does not matter.)

CREATE INDEX lead_worker_practitioner ON lead_worker (practitioner_id);
CREATE INDEX episode_allocated_open ON episode (allocated_worker_id) WHERE closed_at IS NULL;
CREATE INDEX monitoring_arrangement_practitioner ON monitoring_arrangement (responsible_practitioner_id) WHERE ended_at IS NULL;
CREATE INDEX meeting_invitee_practitioner ON meeting_invitee (practitioner_id) WHERE practitioner_id IS NOT NULL;
