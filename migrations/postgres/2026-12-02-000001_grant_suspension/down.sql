ALTER TABLE grants DROP COLUMN suspension_reason;
ALTER TABLE grants DROP COLUMN suspended_by;
ALTER TABLE grants DROP COLUMN suspended_at;
