DROP TABLE usage_reports;
DROP TABLE access_log;
DROP TABLE grants;
DROP TABLE access_requests;
ALTER TABLE listings DROP COLUMN max_grant_days;
