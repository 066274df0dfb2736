DROP TABLE audit_log;
DROP TABLE audit_head;
DROP TABLE role_policies;
DROP TABLE sessions;
DROP TABLE users;
