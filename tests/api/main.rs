//! One test binary for the whole HTTP suite (one link step, parallel tests).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// a failed step should stop a test or bench
// The server under test runs on the system clock (TOTP codes, dates typed into forms).
#![allow(clippy::disallowed_methods)]

mod fixtures;
mod helpers;

mod analysis;
mod analysis_pages;
mod attachments;
mod audit;
mod auth;
mod bundle_annex;
mod bundles;
mod canary;
mod care;
mod cases;
mod cli;
mod client;
mod court_bundle;
mod court_index;
mod demo;
mod detention;
mod e2e;
mod errors;
pub mod evaluations;
mod hardening;
mod import_pages;
mod imports;
mod intake;
mod intake_devices;
mod intake_encrypted;
mod intake_inbox;
mod intake_tella;
mod keys;
mod logs;
mod migrations;
mod nodes;
mod object_store;
mod outage;
mod policy;
mod record_export;
mod reindex;
mod search;
mod sessions;
mod users;
mod web;
mod web_admin;
mod web_forms;
mod web_names;
