-- Every audit entry is an insert into each of audit_event's indexes, and every page appends its reads
-- (issue 21): audit_event_person (person_id) is the leading column of audit_event_person_seq
-- (person_id, seq), which answers every lookup by person the first did, in the same order and more.
-- One index fewer to keep up on each append; nothing reads it that the other does not serve.
DROP INDEX IF EXISTS audit_event_person;
