DROP TABLE search_meta;
DROP TABLE search_queries;
DROP TABLE search_tokens;
