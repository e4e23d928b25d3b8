\echo Use "CREATE EXTENSION x" to load this file. \quit
CREATE TABLE IF NOT EXISTS @extschema@.t (id int);
