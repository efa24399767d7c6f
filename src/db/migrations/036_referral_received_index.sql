-- The person page lists the referrals received about this person (referralsAbout,
-- src/process/referrals.ts); without an index that read scans all of the agency's referrals.
CREATE INDEX IF NOT EXISTS referral_received ON referral (received_person_id) WHERE received_person_id IS NOT NULL;
