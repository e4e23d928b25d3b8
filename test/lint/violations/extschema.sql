\echo Use "CREATE EXTENSION x" to load this file. \quit
-- @extschema@ in a comment is harmless; in a dollar-quoted body it is not
DO $body$
BEGIN
    GRANT USAGE ON SCHEMA @extschema@ TO somebody;
END
$body$;
