-- no guard before the first statement
CREATE TABLE @extschema@.t (id int);
