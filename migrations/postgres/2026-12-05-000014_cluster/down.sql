DROP TABLE cluster_seal;
DROP TABLE login_failures;
DROP INDEX bundles_status;
DROP TABLE bundle_claims;
