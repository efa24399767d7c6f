-- Issue 21: lookups that read a whole table at a realistic partnership's size, found by timing each
-- statement of the pages against 150,000 people (auto_explain).
--   A share decision's items (its page, completing an urgent share, a person's sharing register):
--   96,000 grants read to find a decision's few, 11 ms each (35 ms cold).
CREATE INDEX share_grant_decision ON share_grant (decision_id);
--   The monitoring arrangements about a child on the child's page: by the child, by the adult
--   responsible, or by a closure notice about them (the statement asks for each in turn).
CREATE INDEX monitoring_arrangement_child ON monitoring_arrangement (child_person_id);
CREATE INDEX monitoring_arrangement_responsible_person ON monitoring_arrangement (responsible_person_id) WHERE responsible_person_id IS NOT NULL;
CREATE INDEX closure_notice_person ON closure_notice (person_id) WHERE person_id IS NOT NULL;
CREATE INDEX closure_notice_arrangement ON closure_notice (arrangement_id);
--   Advice asked about a decision, read with the decision.
CREATE INDEX advice_request_decision ON advice_request (decision_id);
