//! One test binary for the whole HTTP suite (one link step, parallel tests).

mod helpers;

mod auth;
mod cli;
mod errors;
mod migrations;
mod policy;
mod users;
