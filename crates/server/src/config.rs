//! Server configuration: every option is a flag and an environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

#[derive(Debug, Clone, Parser)]
#[command(name = "talkshop-server", version, about = "Talkshop chat-commerce server")]
pub struct Config {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "TALKSHOP_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// Database: `sqlite://path/to/file.db` (created if missing) or
    /// `postgres://user@host/db`, which several server processes may share.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://talkshop.db")]
    pub database_url: String,

    /// PostgreSQL only: connections in this node's pool (requests that wait
    /// longer than 3 s for one answer 503 `unavailable`).
    #[arg(long, env = "TALKSHOP_DATABASE_MAX_CONNECTIONS", default_value_t = 20)]
    pub database_max_connections: u32,

    /// Folder with the Trunk-built widget (index.html, .wasm, .js, .css).
    #[arg(long, env = "TALKSHOP_DIST", default_value = "dist")]
    pub dist: PathBuf,

    /// Key that signs visitor and staff tokens. Generated once and kept in the
    /// database when not given.
    #[arg(long, env = "TALKSHOP_SECRET", hide_env_values = true)]
    pub secret: Option<String>,

    /// Lifetime of a visitor token, in days.
    #[arg(long, env = "TALKSHOP_VISITOR_TOKEN_DAYS", default_value_t = 365)]
    pub visitor_token_days: u64,

    /// Lifetime of a staff (console) token, in hours.
    #[arg(long, env = "TALKSHOP_STAFF_TOKEN_HOURS", default_value_t = 12)]
    pub staff_token_hours: u64,

    /// E-mail of the demo shop's staff account.
    #[arg(long, env = "TALKSHOP_STAFF_EMAIL", default_value = "staff@demo.talkshop.test")]
    pub staff_email: String,

    /// Password of the demo staff account; generated and printed at first start when not given.
    #[arg(long, env = "TALKSHOP_STAFF_PASSWORD", hide_env_values = true)]
    pub staff_password: Option<String>,

    /// Product messages may be sent only this many hours after the buyer's last message.
    #[arg(long, env = "TALKSHOP_SERVICE_WINDOW_HOURS", default_value_t = 24)]
    pub service_window_hours: u64,

    /// API key of the demo shop's merchant API; generated and printed at first start when not given.
    #[arg(long, env = "TALKSHOP_DEMO_API_KEY", hide_env_values = true)]
    pub demo_api_key: Option<String>,

    /// Per-transaction limits, `method:CURRENCY:max` comma separated (methods:
    /// sandbox_card, instant_qr, hosted_link).
    #[arg(long, env = "TALKSHOP_TRANSACTION_LIMITS", default_value = "instant_qr:BRL:500.00")]
    pub transaction_limits: String,

    /// Business days between marking an order shipped and paying the merchant out (3 to 5).
    #[arg(long, env = "TALKSHOP_PAYOUT_BUSINESS_DAYS", default_value_t = 3, value_parser = clap::value_parser!(u8).range(3..=5))]
    pub payout_business_days: u8,

    /// Secret that signs payment-provider webhooks (HMAC-SHA256); generated and kept when empty.
    #[arg(long, env = "TALKSHOP_WEBHOOK_SECRET", default_value = "", hide_env_values = true)]
    pub webhook_secret: String,

    /// Identity-verification secret of the shops (the merchant's backend sends
    /// `userHash = hex(HMAC-SHA256(secret, userId))`); generated per shop and kept when not given.
    #[arg(long, env = "TALKSHOP_IDENTITY_SECRET", hide_env_values = true)]
    pub identity_secret: Option<String>,

    /// Demo only: `GET /demo/identity?shop=…&user_id=…` answers a valid userHash, standing in
    /// for a merchant's backend on the demo pages. Never enable in production.
    #[arg(long, env = "TALKSHOP_DEMO_IDENTITY", default_value_t = false)]
    pub demo_identity: bool,

    /// Seed the demo shops (Casa Aurora, Baan Siam Tea House), their staff, API key and
    /// payment details at start. Without it the server creates nothing but what the
    /// operator asks for (`talkshop-server shop create …`, or the admin API).
    #[arg(long, env = "TALKSHOP_DEMO", default_value_t = false)]
    pub demo: bool,

    /// Token of the operator's admin API (`/api/v1/admin/…`, `Authorization: Bearer …`);
    /// the admin API is off without it.
    #[arg(long, env = "TALKSHOP_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,

    /// The public origin of this server (`https://chat.example.com`) for embed snippets
    /// and invitation links; by default the `Host` the request came to.
    #[arg(long, env = "TALKSHOP_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Development only: merchant webhooks may go to `http://` URLs and to private,
    /// loopback and link-local addresses (`localhost`, 127.0.0.1, 10/8, …). Never in production.
    #[arg(long, env = "TALKSHOP_ALLOW_PRIVATE_WEBHOOKS", default_value_t = false)]
    pub allow_private_webhooks: bool,

    /// How often each node looks for due webhook deliveries, in milliseconds.
    #[arg(long, env = "TALKSHOP_WEBHOOK_POLL_MS", default_value_t = 1000)]
    pub webhook_poll_ms: u64,

    /// First retry delay of a failed webhook delivery, in milliseconds; it doubles
    /// per attempt up to one hour, and retries go on for 24 hours.
    #[arg(long, env = "TALKSHOP_WEBHOOK_RETRY_BASE_MS", default_value_t = 30_000)]
    pub webhook_retry_base_ms: u64,

    /// Folder for attached photos and files; by default `files` next to the SQLite
    /// database (or in the working directory with PostgreSQL). Nodes sharing a
    /// PostgreSQL database must share this folder too.
    #[arg(long, env = "TALKSHOP_FILES_DIR")]
    pub files_dir: Option<PathBuf>,
    /// Outgoing mail: `smtps://user:pass@smtp.example.com` (TLS, port 465),
    /// `smtp://user:pass@host:587?tls=required` (STARTTLS) or `smtp://127.0.0.1:25`
    /// (plain, a local relay). Without it nothing is e-mailed.
    #[arg(long, env = "TALKSHOP_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// The From address of mails (`Talkshop <no-reply@chat.example.com>`).
    #[arg(long, env = "TALKSHOP_MAIL_FROM", default_value = "Talkshop <no-reply@talkshop.invalid>")]
    pub mail_from: String,

    /// How often each node looks for unread messages to e-mail and for due mails, in milliseconds.
    #[arg(long, env = "TALKSHOP_MAIL_POLL_MS", default_value_t = 15_000)]
    pub mail_poll_ms: u64,

    /// First retry delay of a mail the SMTP server refused or could not take, in
    /// milliseconds; it doubles per attempt up to one hour, and retries go on for 24 hours.
    #[arg(long, env = "TALKSHOP_MAIL_RETRY_BASE_MS", default_value_t = 30_000)]
    pub mail_retry_base_ms: u64,

    /// How long a "minute" of the shops' unread-mail delay lasts, in milliseconds
    /// (tests shorten it; leave it at 60000).
    #[arg(long, env = "TALKSHOP_MAIL_MINUTE_MS", default_value_t = 60_000, hide = true)]
    pub mail_minute_ms: u64,

    /// Log as JSON lines instead of human-readable text.
    #[arg(long, env = "TALKSHOP_LOG_JSON", default_value_t = false)]
    pub log_json: bool,
}

impl Config {
    /// Where attachments are kept: `--files-dir`, else `files` beside the SQLite file.
    pub fn files_dir(&self) -> PathBuf {
        if let Some(dir) = &self.files_dir {
            return dir.clone();
        }
        let sqlite_file =
            self.database_url.strip_prefix("sqlite://").or_else(|| self.database_url.strip_prefix("sqlite:"));
        let folder = sqlite_file
            .filter(|_| !crate::is_postgres_url(&self.database_url))
            .map(|f| f.split('?').next().unwrap_or_default())
            .and_then(|f| std::path::Path::new(f).parent().map(|p| p.to_path_buf()))
            .unwrap_or_default();
        folder.join("files")
    }

    /// A configuration for tests: a fresh SQLite file, a fixed secret and staff password.
    pub fn for_tests(database_url: String) -> Config {
        Config {
            bind: "127.0.0.1:0".parse().expect("valid address"),
            database_url: database_url.clone(),
            database_max_connections: 10,
            dist: PathBuf::from("dist"),
            secret: Some("test-secret-0123456789abcdef".into()),
            visitor_token_days: 365,
            staff_token_hours: 12,
            staff_email: "staff@demo.talkshop.test".into(),
            staff_password: Some("correct horse battery staple".into()),
            service_window_hours: 24,
            payout_business_days: 3,
            transaction_limits: "instant_qr:BRL:500.00".into(),
            webhook_secret: "test-webhook-secret".into(),
            demo_api_key: Some("test-api-key".into()),
            identity_secret: Some("test-identity-secret".into()),
            demo_identity: false,
            demo: true,
            admin_token: None,
            public_url: None,
            log_json: false,
            // SQLite tests keep files next to their database in its temporary folder.
            files_dir: crate::is_postgres_url(&database_url).then(|| {
                let name = database_url.rsplit('/').next().unwrap_or("db");
                std::env::temp_dir().join("talkshop-test-files").join(name)
            }),
            // The suites' receivers listen on 127.0.0.1; the SSRF test turns this off.
            allow_private_webhooks: true,
            webhook_poll_ms: 50,
            smtp_url: None,
            mail_from: "Talkshop <no-reply@talkshop.test>".into(),
            mail_poll_ms: 50,
            mail_retry_base_ms: 100,
            mail_minute_ms: 60_000,
            webhook_retry_base_ms: 200,
        }
    }
}
