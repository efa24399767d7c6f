-- Why a same-person link was undone, in its own column beside why it was made.
ALTER TABLE person_link ADD COLUMN unlink_reason text;
COMMENT ON COLUMN person_link.unlink_reason IS 'Why the link was undone; the link itself is never deleted.';
