-- Which version of the matcher's keys each person entry was indexed with. Session 7 added search
-- keys (a surname's sound for name-only search, a parent's name for unborn entries); entries
-- indexed before then lack them and would not be found by those searches. Entries below the
-- current version (MATCH_INDEX_VERSION in src/matching/store.ts) are reindexed by the server when it
-- starts, in the background, and by `jigsaw match reindex`.
ALTER TABLE person_match ADD COLUMN index_version integer NOT NULL DEFAULT 1;
CREATE INDEX person_match_stale ON person_match (index_version);
COMMENT ON COLUMN person_match.index_version IS 'The matcher''s key version this entry was indexed with; lower than the code''s means reindex (src/matching/reindex.ts).';
