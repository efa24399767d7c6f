-- The people search at partnership scale (issue 21; searchPeoplePage, src/people/people.ts).
-- Without these it read every name in the partnership for each search (a substring LIKE cannot use
-- a b-tree), about 250 ms at 150,000 people, growing with the partnership rather than the matches.

-- Trigram index for the search's substring match, on exactly the expression the search compares
-- ("Maddox" and "adox" both find Conor Maddox): the index gives the names that may match and each is
-- checked against the LIKE, so the result is the same as reading every name. pg_trgm is a trusted
-- extension (PostgreSQL 13+): the database's owner may create it without being a superuser; the
-- embedded database loads it as it opens (src/db/database.ts).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS person_name_words_trgm ON person_name USING gin (lower(given_names || ' ' || family_name) gin_trgm_ops);

-- An agency's people in the order a search lists them (when added, then id): a search walks them in
-- that order and stops at a full page, and the keyset cursor starts inside the index. Also the order
-- a search with only a date of birth or a short term (no trigram to look up) reads them in.
CREATE INDEX IF NOT EXISTS person_agency_added ON person (agency_id, created_at, id);
