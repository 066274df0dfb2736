//! Custodia: encrypted custody of testimonies of torture and arbitrary detention.
//!
//! Layers, each calling only those below it:
//! `http` (edge) → `auth`, `audit` (services) → `domain` (pure types, policy) →
//! `store` (diesel over SQLite or PostgreSQL). See docs/architecture.md.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod access;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod cases;
pub mod cli;
pub mod clock;
pub mod config;
pub mod context;
pub mod crypto;
pub mod demo;
pub mod domain;
pub mod error;
pub mod export;
pub mod http;
pub mod keys;
pub mod search;
pub mod services;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod web;
