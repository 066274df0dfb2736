//! Analysis: what many records show together and no single one does. Corroboration of
//! each involvement by independent testimonies, the chain of command with incidents
//! rolled up and attributed to commanders over time, a timeline of incidents, pattern
//! counts, and the places on a map. Built from clear columns (ids, codes, dates,
//! pseudonyms) and the sealed names of units and places; drawn as SVG by `draw`.
//! Knows nothing of HTTP.

pub mod draw;
pub mod model;
