//! Talkshop server: REST under `/api/v1`, live events on `/api/v1/ws`, and the
//! built widget, demo shop and console as static files.

pub mod auth;
pub mod catalog_changes;
pub mod clock;
pub mod config;
pub mod error;
pub mod file_store;
pub mod hub;
pub mod idempotency;
pub mod mail;
pub mod marks;
pub mod media;
pub mod outbound;
pub mod presence;
pub mod ratelimit;
pub mod routes;
pub mod seed;
pub mod seed_catalog;
pub mod shops;
pub mod state;
pub mod storage;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_http::compression::predicate::{Predicate, SizeAbove};
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

use crate::auth::TokenKey;
use crate::config::Config;
use crate::error::AppResult;
use crate::hub::Hub;
use crate::state::AppState;
use crate::storage::postgres::PostgresStorage;
use crate::storage::sqlite::SqliteStorage;
use crate::storage::Storage;

/// Largest request body the API reads.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub fn app(state: AppState) -> Router {
    Router::new()
        .merge(routes::visitors::router(&state))
        .merge(routes::staff::router())
        .merge(routes::shop_admin::router())
        .merge(routes::admin::router())
        .merge(routes::conversations::router())
        .merge(routes::attachments::router())
        .merge(routes::buyer_emails::router())
        .merge(routes::catalog::router())
        .merge(routes::cart::router())
        .merge(routes::orders::router())
        .merge(routes::payouts::router())
        .merge(routes::payments::router())
        .merge(routes::webhooks::router())
        .merge(routes::webhook_endpoints::router())
        .merge(routes::product_messages::router())
        .merge(routes::catalog_images::router())
        .merge(routes::ws::router())
        .merge(routes::mail::router())
        .merge(routes::site::router(&state))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(state.clone(), idempotency::idempotency))
        // Outside the idempotency layer: it keeps (and replays) the JSON text,
        // and a replay is compressed like the first answer.
        .layer(compression())
        .layer(TraceLayer::new_for_http())
        .layer(cors(state.clone()))
        .with_state(state)
}

/// Responses compressed on the fly (brotli or gzip, by `Accept-Encoding`):
/// JSON, HTML and SVG over 1 KiB. Not the widget's files, which are sent as
/// the `.br`/`.gz` copies made at build time (they carry `Content-Encoding`
/// already, and tower-http never compresses twice), not `embed.js` (compressed
/// once per build), and not the WebSocket upgrade (101, no body).
pub fn compression() -> CompressionLayer<impl Predicate> {
    use axum::http::{header, Extensions, HeaderMap, StatusCode, Version};
    fn compressible(status: StatusCode, _: Version, headers: &HeaderMap, _: &Extensions) -> bool {
        let kind = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
        let kind = kind.split(';').next().unwrap_or_default().trim();
        status != StatusCode::SWITCHING_PROTOCOLS && matches!(kind, "application/json" | "text/html" | "image/svg+xml")
    }
    CompressionLayer::new().br(true).gzip(true).compress_when(SizeAbove::new(1024).and(compressible))
}

/// Merchant pages call the API from the websites their shops allow (Settings →
/// allowed origins; `*` when the owner chose it) and from this server's own
/// pages. Bearer tokens, no cookies. Each buyer token is checked against its own
/// shop's list as well (`auth::check_origin`).
fn cors(state: AppState) -> tower_http::cors::CorsLayer {
    use axum::http::{header, HeaderName, Method};
    let allow = tower_http::cors::AllowOrigin::async_predicate(move |origin, parts| {
        let host = parts.headers.get(header::HOST).and_then(|h| h.to_str().ok()).map(str::to_owned);
        let state = state.clone();
        async move {
            let Ok(origin) = origin.to_str() else { return false };
            auth::is_own_origin(&state, origin, host.as_deref()) || shops::allowed_anywhere(&state, origin).await
        }
    });
    tower_http::cors::CorsLayer::new()
        .allow_origin(allow)
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static("idempotency-key"),
            HeaderName::from_static("x-api-key"),
        ])
        .max_age(std::time::Duration::from_secs(86_400))
}

pub fn init_tracing(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,tower_http=warn,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}

/// Whether a database URL names PostgreSQL (otherwise it is SQLite).
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

pub async fn open_storage(config: &Config) -> AppResult<Arc<dyn Storage>> {
    if is_postgres_url(&config.database_url) {
        Ok(Arc::new(PostgresStorage::open(&config.database_url, config.database_max_connections).await?))
    } else {
        Ok(Arc::new(SqliteStorage::open(&config.database_url).await?))
    }
}

/// Opens storage and the hub that fits it: in-process with SQLite, across
/// nodes with PostgreSQL (until `stop` turns true).
async fn open_storage_and_hub(config: &Config, stop: watch::Receiver<bool>) -> AppResult<(Arc<dyn Storage>, Hub)> {
    if is_postgres_url(&config.database_url) {
        let storage = PostgresStorage::open(&config.database_url, config.database_max_connections).await?;
        let hub = Hub::shared(storage.pool().clone(), stop).await?;
        Ok((Arc::new(storage), hub))
    } else {
        Ok((Arc::new(SqliteStorage::open(&config.database_url).await?), Hub::in_process()))
    }
}

/// A running server: its address and the switch that stops it.
pub struct Running {
    pub addr: SocketAddr,
    /// The server's shared state, for jobs and tests that act as the server itself.
    pub state: AppState,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<AppResult<()>>,
}

impl Running {
    /// Stops accepting, closes sockets, lets in-flight requests finish, closes storage.
    pub async fn stop(self) -> AppResult<()> {
        let _ = self.stop.send(true);
        self.task.await.map_err(|e| error::AppError::Internal(e.to_string()))?
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// Opens storage, seeds the demo shop, binds, and serves in the background.
pub async fn start(config: Config) -> AppResult<Running> {
    let (stop, stopped) = watch::channel(false);
    let (storage, hub) = open_storage_and_hub(&config, stopped.clone()).await?;
    let secret = match &config.secret {
        Some(secret) => secret.clone(),
        None => storage.init_setting("token_secret", &seed::random_secret()).await?,
    };
    if config.demo {
        seed::demo(storage.as_ref(), &config).await?;
    } else if storage.shop_records().await?.is_empty() {
        println!(
            "No shops yet. Create the first one with:\n  talkshop-server shop create --id my-shop --name \"My Shop\" --currency BRL --locale pt-BR --owner-email you@example.com\n(or run with --demo for the demo shops)"
        );
    }
    let mut config = config;
    if config.webhook_secret.is_empty() {
        config.webhook_secret = storage.init_setting("webhook_secret", &seed::random_secret()).await?;
    }
    let listener = TcpListener::bind(config.bind).await.map_err(|e| error::AppError::Internal(e.to_string()))?;
    let addr = listener.local_addr().map_err(|e| error::AppError::Internal(e.to_string()))?;
    let limits = talkshop_protocol::payment::parse_limits(&config.transaction_limits)
        .map_err(|e| error::AppError::Internal(format!("--transaction-limits: {e}")))?;
    let state = AppState {
        limits: Arc::new(limits),
        storage: storage.clone(),
        files: Arc::new(file_store::DiskFileStore::new(config.files_dir())),
        tokens: TokenKey::new(secret.as_bytes()),
        config: Arc::new(config),
        hub: hub.clone(),
        shutdown: stopped.clone(),
        marks: Default::default(),
        shops: Default::default(),
        logins: Default::default(),
        presence: Default::default(),
    };
    routes::payouts::spawn_jobs(state.clone());
    outbound::spawn_worker(state.clone());
    match mail::Mailer::from_config(&state.config)? {
        Some(_) if state.config.public_url.is_none() && addr.ip().is_unspecified() => {
            return Err(error::AppError::Internal(
                "--smtp-url needs --public-url when listening on all interfaces: links in mails must reach this server"
                    .into(),
            ));
        }
        Some(mailer) => {
            let base = state
                .config
                .public_url
                .clone()
                .map_or_else(|| format!("http://{addr}"), |u| u.trim_end_matches('/').to_owned());
            mail::spawn_worker(state.clone(), mailer, base);
        }
        None => tracing::info!("no --smtp-url: unread messages are not e-mailed"),
    }
    presence::spawn_sweeper(state.clone());
    let router = app(state.clone());
    let task = tokio::spawn(async move {
        let mut until = stopped;
        axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async move {
                let _ = until.wait_for(|stop| *stop).await;
            })
            .await
            .map_err(|e| error::AppError::Internal(e.to_string()))?;
        // Every acknowledged message was committed before its answer; closing
        // the pool checkpoints the WAL.
        hub.close().await;
        storage.close().await;
        Ok(())
    });
    Ok(Running { addr, state, stop, task })
}

/// Runs until SIGTERM or Ctrl-C, then shuts down gracefully.
pub async fn run(config: Config) -> AppResult<()> {
    let running = start(config).await?;
    tracing::info!(url = %running.url(), "Talkshop is listening");
    println!("Talkshop demo shop:  {}/", running.url());
    println!("Merchant console:    {}/console", running.url());
    shutdown_signal().await;
    tracing::info!("shutting down");
    running.stop().await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
