-- Issue 21: an episode's page reads the episode's meetings by episode (src/meetings/meetings.ts,
-- episodeMeetings; safe closure's involved agencies too). Without an index on it that was every
-- meeting the convening agency has held, read through meeting_agency and filtered: a cost that grew
-- with the agency's meetings, not the episode's. Soonest first, as the page lists them.
CREATE INDEX meeting_episode ON meeting (episode_id, scheduled_at) WHERE episode_id IS NOT NULL;
