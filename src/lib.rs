//! Custodia: encrypted custody of testimonies of torture and arbitrary detention.
//!
//! Layers, each calling only those below it (docs/architecture.md; `.ci/layers.sh`):
//! - edges: `http` (the JSON API), `web` (pages), `cli`, `startup`;
//! - `services::Services`: one service per capability (`auth`, `keys`, `cases`, `records`,
//!   `testimonies`, `attachments`, `search`, `bundles`, `audit`), each taking the caller's
//!   `access::Allowed<A>` and choosing its transaction through `context::Context`;
//! - use cases: free functions over a connection in `cases`, `search`, `export`, `audit`;
//! - `access` (policy table, membership, record rules), `domain`, `rules` (limits on
//!   input, checked by the services and published in the API document), `clock`;
//! - `crypto` (pure), `store` (diesel over SQLite or PostgreSQL, blobs).

pub mod access;
pub mod analysis;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod care;
pub mod cases;
pub mod catalog;
pub mod cli;
pub mod clock;
pub mod cluster;
pub mod config;
pub mod context;
pub mod crypto;
pub mod demo;
pub mod detention;
pub mod domain;
pub mod error;
pub mod export;
pub mod http;
pub mod import;
pub mod intake;
pub mod keys;
pub mod medical;
pub mod rules;
pub mod search;
pub mod services;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod web;
