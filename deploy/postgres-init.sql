-- Run once by the postgres image on an empty data volume: the staging database beside the
-- Dagster instance's own (POSTGRES_DB). Both belong to POSTGRES_USER.
CREATE DATABASE staging;
