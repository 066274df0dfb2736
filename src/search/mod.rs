//! Search over encrypted testimonies: the normaliser (`normalize`, `translit`), the
//! blind index kept in step with every write (`index`), and queries that fetch
//! candidates by blind token and re-check them on the decrypted text (`query`); the search
//! page's one box over people and testimonies (`sections`).

pub mod index;
pub mod normalize;
pub mod query;
pub mod sections;
mod service;
pub mod translit;

pub use service::Search;
