DELETE FROM access_log WHERE event = 'query';
ALTER TABLE access_log DROP COLUMN epsilon;
DROP TABLE aggregate_grants;
DROP TABLE distribution_disclosure;
DROP TABLE distribution_profiles;
