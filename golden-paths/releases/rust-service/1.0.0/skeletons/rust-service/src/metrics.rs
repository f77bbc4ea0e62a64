//! Prometheus metrics of the platform's metric contract, and the middleware that
//! records them: `http_requests_total{method,route,code}`,
//! `http_request_duration_seconds{method,route}` and `http_requests_in_flight`, plus
//! `tokio_alive_tasks` (the runtime's equivalent of `go_goroutines`). The route label
//! is the route template (`/v1/items/{id}`), never the raw path, so that the label
//! set stays small; requests no route matched are `unmatched`.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

use crate::routes::AppState;

/// Latency buckets, in seconds.
const BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The service's metrics, in a registry of their own (so that tests can build
/// several applications side by side).
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    duration: HistogramVec,
    in_flight: IntGauge,
    alive_tasks: IntGauge,
}

impl Metrics {
    /// Creates the metrics and registers them.
    pub fn new() -> Self {
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests by method, route template and status code.",
            ),
            &["method", "route", "code"],
        )
        .expect("valid metric");
        let duration = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "HTTP request latency by method and route template.",
            )
            .buckets(BUCKETS.to_vec()),
            &["method", "route"],
        )
        .expect("valid metric");
        let in_flight = IntGauge::new("http_requests_in_flight", "HTTP requests being served.")
            .expect("valid metric");
        let alive_tasks = IntGauge::new("tokio_alive_tasks", "Tasks alive in the Tokio runtime.")
            .expect("valid metric");
        let registry = Registry::new();
        for collector in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(duration.clone()),
            Box::new(in_flight.clone()),
            Box::new(alive_tasks.clone()),
        ] {
            registry
                .register(collector)
                .expect("metric registered once");
        }
        Self {
            registry,
            requests,
            duration,
            in_flight,
            alive_tasks,
        }
    }

    /// The text exposition of every metric.
    pub fn render(&self) -> String {
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            let tasks = handle.metrics().num_alive_tasks();
            self.alive_tasks
                .set(i64::try_from(tasks).unwrap_or(i64::MAX));
        }
        let mut buffer = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut buffer)
            .expect("text encoding of gathered metrics");
        String::from_utf8(buffer).expect("the text format is UTF-8")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// Decrements the in-flight gauge when the request ends, even if it is cancelled.
struct InFlight(IntGauge);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// Middleware counting, timing and tracking every request.
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let metrics = &state.metrics;
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    metrics.in_flight.inc();
    let _in_flight = InFlight(metrics.in_flight.clone());
    let started = Instant::now();
    let response = next.run(request).await;
    metrics
        .duration
        .with_label_values(&[method.as_str(), route.as_str()])
        .observe(started.elapsed().as_secs_f64());
    metrics
        .requests
        .with_label_values(&[method.as_str(), route.as_str(), response.status().as_str()])
        .inc();
    response
}

/// `GET /metrics`: the Prometheus text exposition.
pub async fn exposition(State(state): State<AppState>) -> impl IntoResponse {
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
}
