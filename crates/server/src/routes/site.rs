//! The built widget, the demo shop page and the console, from the Trunk `dist/` folder.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use talkshop_protocol::{ApiError, Health};
use tower_http::services::ServeDir;

use crate::error::{error_response, AppJson};
use crate::state::AppState;

pub fn router(state: &AppState) -> Router<AppState> {
    let assets = ServeDir::new(&state.config.dist).append_index_html_on_directories(false);
    Router::new()
        .route("/", get(shop_page))
        .route("/siam", get(siam_page))
        .route("/console", get(console_page))
        .route("/console/", get(console_page))
        .route("/healthz", get(health))
        .route("/api/{*rest}", get(api_not_found).post(api_not_found))
        .fallback_service(assets)
}

async fn shop_page(State(state): State<AppState>) -> Response {
    page(&state, "index.html").await
}

/// The same demo page embedding the second demo shop (Baan Siam Tea House, THB).
async fn siam_page(State(state): State<AppState>) -> Response {
    match tokio::fs::read_to_string(state.config.dist.join("index.html")).await {
        Ok(html) => {
            let html = html.replacen(r#"data-shop="demo""#, r#"data-shop="siam""#, 1);
            ([(header::CACHE_CONTROL, "no-cache")], Html(html)).into_response()
        }
        Err(_) => page(&state, "index.html").await,
    }
}

/// The console is its own Trunk build (its own wasm) under `dist/console/`.
async fn console_page(State(state): State<AppState>) -> Response {
    page(&state, "console/index.html").await
}

async fn page(state: &AppState, file: &str) -> Response {
    match tokio::fs::read_to_string(state.config.dist.join(file)).await {
        Ok(html) => ([(header::CACHE_CONTROL, "no-cache")], Html(html)).into_response(),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Html("<!doctype html><title>Talkshop</title><p>The widget is not built yet: run <code>scripts/demo.sh</code>.</p>"),
        )
            .into_response(),
    }
}

async fn health() -> AppJson<Health> {
    AppJson(Health { status: "ok".into(), version: env!("CARGO_PKG_VERSION").into() })
}

async fn api_not_found() -> Response {
    error_response(ApiError::not_found("API route"))
}
