//! What every handler shares.

use std::sync::Arc;

use tokio::sync::{broadcast, watch};

use crate::auth::TokenKey;
use crate::config::Config;
use crate::hub::Event;
use crate::storage::Storage;

#[derive(Clone)]
pub struct AppState {
    pub storage: Arc<dyn Storage>,
    pub tokens: TokenKey,
    pub config: Arc<Config>,
    pub events: broadcast::Sender<Event>,
    /// Per-transaction limits per currency and payment method (from the configuration).
    pub limits: Arc<Vec<talkshop_protocol::payment::TransactionLimit>>,
    /// Flips to `true` when the server is shutting down; sockets close on it.
    pub shutdown: watch::Receiver<bool>,
}
