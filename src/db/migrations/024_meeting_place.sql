-- Meetings across agencies (issue 18): an invitation says where the meeting is and what each
-- invitee is asked to bring or do, so a practitioner of another agency can act on it alone.
ALTER TABLE meeting ADD COLUMN place text;
ALTER TABLE meeting_invitee ADD COLUMN asked text;
COMMENT ON COLUMN meeting.place IS 'Where the meeting is held (a room, an address, or "video call"): told to each invitee.';
COMMENT ON COLUMN meeting_invitee.asked IS 'What this invitee is asked to bring or do (e.g. "a written report on attendance"); told in the invitation.';
