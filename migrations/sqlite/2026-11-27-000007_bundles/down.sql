DROP TABLE bundles;
DROP TABLE export_signer;
