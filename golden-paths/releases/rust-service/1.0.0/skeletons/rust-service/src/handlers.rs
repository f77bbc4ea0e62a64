//! The service's own API. Replace the example route with yours and add them to
//! [`routes`]; the probes, metrics, logs and timeouts around them stay in
//! `routes.rs`.

use axum::extract::Path;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::routes::AppState;

/// The API routes, mounted by [`crate::app`].
pub fn routes() -> Router<AppState> {
    Router::new().route("/v1/hello/{name}", get(hello))
}

/// `GET /v1/hello/{name}`: an example JSON endpoint.
async fn hello(Path(name): Path<String>) -> Json<Value> {
    Json(json!({ "message": format!("hello, {name}") }))
}
