\echo Use "CREATE EXTENSION x" to load this file. \quit
CREATE FUNCTION @extschema@.f() RETURNS int AS 'MODULE_PATHNAME', 'f' LANGUAGE C SECURITY DEFINER;
