DELETE FROM vocabulary_terms WHERE builtin = TRUE;
