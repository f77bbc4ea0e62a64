//! The HTTP service: its configuration, routes and metrics, as a library so that the
//! tests in `tests/` drive the same router in-process that `main.rs` serves.

pub mod config;
pub mod handlers;
pub mod metrics;
pub mod routes;

pub use config::Config;
pub use routes::{app, AppState};
