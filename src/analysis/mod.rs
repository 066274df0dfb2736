//! Analysis: what many records show together and no single one does. Corroboration of
//! each involvement by independent testimonies, the chain of command with incidents
//! rolled up and attributed to commanders over time, a timeline of incidents, pattern
//! counts, and the places on a map. Built from clear columns (ids, codes, dates,
//! pseudonyms) and the sealed names of units and places; drawn as SVG by `draw`.
//! Knows nothing of HTTP.

mod command;
pub mod corroboration;
pub mod dates;
pub mod draw;
mod facts;
pub mod model;
mod names;
pub mod patterns;
pub mod places;
mod service;
pub mod subset;
pub mod tables;
pub mod timeline;

pub use service::{Analysis, CorroborationQuery, Frame, Framed, Linkage, Namesake, TimelineQuery};
