//! Rules about single records, beside the role table: pure functions of who the caller
//! is and what the record says, so the exhaustive matrix test can walk them.
