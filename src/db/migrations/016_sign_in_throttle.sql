-- Sign-in throttling without lock-outs (issue 16, defect 7). A row now counts the recent failed
-- sign-ins for one key: an account from one address, an account from anywhere, or one address
-- across accounts. Past a limit each further attempt must wait a delay that doubles with every
-- failure (up to a cap), and nothing is ever locked: see src/auth/throttle.ts.
-- The counts in the old sense (per account, with a fixed lock) mean nothing now and are dropped.
DELETE FROM sign_in_throttle;
ALTER TABLE sign_in_throttle RENAME COLUMN window_started_at TO last_attempt_at;
ALTER TABLE sign_in_throttle RENAME COLUMN locked_until TO next_attempt_at;
COMMENT ON TABLE sign_in_throttle IS 'Recent failed sign-ins per key (a hash of the account, the source address, or both), for growing delays; no personal data in clear.';
COMMENT ON COLUMN sign_in_throttle.key_hash IS 'SHA-256 of the key: "account-address", "account" or "address" with the normalised e-mail and/or address.';
COMMENT ON COLUMN sign_in_throttle.failures IS 'Attempts counted since the key was last quiet for the window (an attempt is counted when it starts; a success is taken off again).';
COMMENT ON COLUMN sign_in_throttle.last_attempt_at IS 'The latest counted attempt; failures older than the window are forgotten.';
COMMENT ON COLUMN sign_in_throttle.next_attempt_at IS 'Before this, an attempt under this key is answered 429 without checking the password.';
CREATE INDEX sign_in_throttle_last_attempt ON sign_in_throttle (last_attempt_at);
