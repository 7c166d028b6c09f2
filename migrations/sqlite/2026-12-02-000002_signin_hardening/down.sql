DELETE FROM login_throttle;
DROP TABLE recovery_codes;
DROP TABLE user_totp;
DROP INDEX organisations_name_en_skeleton;
ALTER TABLE organisations DROP COLUMN name_en_skeleton;
DROP INDEX organisations_name_skeleton;
ALTER TABLE organisations DROP COLUMN name_skeleton;
DROP INDEX users_email_skeleton;
ALTER TABLE users DROP COLUMN email_skeleton;
