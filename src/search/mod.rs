//! Search over encrypted testimonies: the normaliser (`normalize`, `translit`), the
//! blind index kept in step with every write (`index`), and queries that fetch
//! candidates by blind token (`candidates`) and re-check them on the decrypted text —
//! testimonies by words and incident `filters` (`testimonies`), persons by name
//! (`persons`) — scoped, ranked and recorded by `query`; the search page's one box over
//! people and testimonies (`sections`). `Search` is the service the edges call.

mod candidates;
mod entries;
mod filters;
pub mod index;
pub mod normalize;
pub(crate) mod persons;
pub mod query;
pub mod reindex;
mod request;
pub mod sections;
mod service;
mod testimonies;
pub mod translit;

pub use request::{Hit, IncidentFilter, SearchKind, SearchRequest};
pub use service::Search;
