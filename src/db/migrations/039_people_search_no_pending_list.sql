-- The people search at partnership scale (issue 21; nameMatchSql, src/people/people.ts). A GIN index
-- keeps new entries in an unsorted pending list (up to gin_pending_list_limit, 4 MB) until a vacuum
-- merges them, and every search reads the whole list: after a partnership's people were loaded,
-- looking up "Poppie Westbury" in the trigram index of 037 read 11,573 pending names and took 5 to 15 ms
-- at 150,000 people, against 0.5 ms once merged. Names are added one person at a time and searched
-- far more often: each new name goes straight into the index (a little slower to add), and a search's
-- cost no longer depends on how long ago the last vacuum ran. What the index answers is unchanged.
ALTER INDEX person_name_words_trgm SET (fastupdate = off);
-- What was pending goes into the index now, not at the next vacuum.
SELECT gin_clean_pending_list('person_name_words_trgm'::regclass);
