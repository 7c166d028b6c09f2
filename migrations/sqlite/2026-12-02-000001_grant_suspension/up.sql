-- A grant can be suspended by a decision recorded on it (issue 20): today
-- when its listing is reclassified as not_open. Until an administrator
-- reinstates it, no data token is issued and nothing is downloaded or
-- queried under it. (Suspension of the enterprise and withdrawal of the
-- listing still suspend grants without being recorded here.)
ALTER TABLE grants ADD COLUMN suspended_at TIMESTAMP;
ALTER TABLE grants ADD COLUMN suspended_by TEXT;
ALTER TABLE grants ADD COLUMN suspension_reason TEXT;
