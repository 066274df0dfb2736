DROP TABLE search_queries;
DROP TABLE search_tokens;
