DROP TABLE data_keys;
DROP TABLE keyring_keys;
DROP TABLE keyring_meta;
