-- One schema per service; each service's migrations fill its own schema and nothing else.
-- Run once by the PostgreSQL container on an empty data directory, and on every start of
-- the native stack, so it must stay safe to repeat.
CREATE SCHEMA IF NOT EXISTS users;
CREATE SCHEMA IF NOT EXISTS orders;
