DELETE FROM access_log WHERE event = 'query';
ALTER TABLE access_log DROP COLUMN epsilon;
ALTER TABLE access_log DROP CONSTRAINT access_log_event_check;
ALTER TABLE access_log ADD CONSTRAINT access_log_event_check CHECK (event IN ('token_issued', 'download'));
DROP TABLE aggregate_grants;
DROP TABLE distribution_disclosure;
DROP TABLE distribution_profiles;
