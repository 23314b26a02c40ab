-- A read-only reporting role with rights on the schema public, and default
-- privileges so that every table and sequence the migrations create is
-- readable by it: what a plain `DROP SCHEMA public CASCADE; CREATE SCHEMA
-- public` loses (with public's owner, pg_database_owner in PostgreSQL 15),
-- and dockreset's recreate strategy puts back.
CREATE ROLE reporting NOLOGIN;
GRANT USAGE ON SCHEMA public TO reporting;
ALTER DEFAULT PRIVILEGES FOR ROLE tasks IN SCHEMA public GRANT SELECT ON TABLES TO reporting;
ALTER DEFAULT PRIVILEGES FOR ROLE tasks IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO reporting;
