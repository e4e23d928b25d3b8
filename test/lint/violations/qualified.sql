\echo Use "CREATE EXTENSION x" to load this file. \quit
CREATE TABLE t (id int);
