export-title = Export evidence
