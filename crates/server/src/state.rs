//! What every handler shares.

use std::sync::Arc;

use tokio::sync::watch;

use crate::auth::TokenKey;
use crate::config::Config;
use crate::hub::Hub;
use crate::marks::DeliveredMarks;
use crate::storage::Storage;

#[derive(Clone)]
pub struct AppState {
    pub storage: Arc<dyn Storage>,
    /// Attachments' bytes (`--files-dir`).
    pub files: Arc<dyn crate::file_store::FileStore>,
    pub tokens: TokenKey,
    pub config: Arc<Config>,
    /// Live events for the sockets of this node and, with PostgreSQL, of every node.
    pub hub: Hub,
    /// Per-transaction limits per currency and payment method (from the configuration).
    pub limits: Arc<Vec<talkshop_protocol::payment::TransactionLimit>>,
    /// Flips to `true` when the server is shutting down; sockets close on it.
    pub shutdown: watch::Receiver<bool>,
    /// Delivered marks this node knows (spares the database most `delivered` frames).
    pub marks: DeliveredMarks,
    /// Shop configurations read recently (settings, receiving accounts).
    pub shops: crate::shops::ShopCache,
    /// Failed console sign-ins per address and IP.
    pub logins: crate::ratelimit::LoginLimiter,
    /// Staff presence on this node and the shops' typical reply times.
    pub presence: crate::presence::Presence,
}
