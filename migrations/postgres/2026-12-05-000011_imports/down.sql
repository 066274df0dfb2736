DROP TABLE import_keys;
DROP TABLE imports;
