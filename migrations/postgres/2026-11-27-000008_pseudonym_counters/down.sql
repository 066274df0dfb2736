DROP TABLE pseudonym_counters;
