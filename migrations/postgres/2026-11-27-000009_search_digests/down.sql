DROP TABLE search_digests;
