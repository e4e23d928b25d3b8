\echo Use "CREATE EXTENSION x" to load this file. \quit
CREATE OR REPLACE FUNCTION @extschema@.f() RETURNS int LANGUAGE sql AS 'SELECT 1';
