//! The router: the probes, `/metrics` and the API of `handlers.rs`, wrapped in the
//! request timeout, the access log (JSON, via `tracing`) and the metrics middleware.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{middleware, Json, Router};
use serde_json::{json, Value};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::metrics::{self, Metrics};
use crate::{handlers, Config};

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The service's metrics.
    pub metrics: Metrics,
    ready: Arc<AtomicBool>,
}

impl AppState {
    /// A ready state with fresh metrics.
    pub fn new() -> Self {
        Self {
            metrics: Metrics::new(),
            ready: Arc::new(AtomicBool::new(true)),
        }
    }

    /// Marks the service as draining: `/readyz` answers 503 from now on.
    pub fn start_draining(&self) {
        self.ready.store(false, Ordering::SeqCst);
    }

    /// Whether the service takes traffic.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }
}

impl Default for AppState {
    fn default() -> Self {
        Self::new()
    }
}

/// The whole application.
pub fn app(cfg: &Config, state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics::exposition))
        .merge(handlers::routes())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            cfg.request_timeout,
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .with_state(state)
}

/// `GET /healthz`: the process is alive.
async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// `GET /readyz`: 200 while the service takes traffic, 503 once it is draining.
async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    if state.is_ready() {
        (StatusCode::OK, Json(json!({ "status": "ready" })))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "draining" })),
        )
    }
}
