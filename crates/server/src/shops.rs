//! Merchants' own shops: the effective configuration of a shop (its stored
//! settings and receiving accounts, else the server's defaults), creating a
//! shop with its first owner, passwords, and the audit log.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
use argon2::{Argon2, PasswordHash, PasswordVerifier};
use talkshop_protocol::payment::{PaymentMethod, TransactionLimit};
use talkshop_protocol::receiving::ReceivingAccount;
use talkshop_protocol::shop::{
    validate_email, validate_shop_id, AuditEntry, CreateShop, CreatedShop, ShopSettings, StaffRole, LOCALES,
};
use talkshop_protocol::{ApiError, Currency, ShopInfo};

use crate::config::Config;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::storage::{ShopRecord, Staff, Storage};

/// What a shop is right now: settings and how it is paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopConfig {
    pub info: ShopInfo,
    pub settings: ShopSettings,
    pub receiving: Vec<ReceivingAccount>,
}

impl ShopConfig {
    /// The payment methods the shop takes in `currency`: the sandbox's in a test
    /// shop; otherwise instant QR when the owner entered where to receive it.
    pub fn methods(&self, currency: Currency) -> Vec<PaymentMethod> {
        if self.settings.sandbox {
            return vec![PaymentMethod::SandboxCard, PaymentMethod::InstantQr, PaymentMethod::HostedLink];
        }
        if self.receiving_for(currency).is_some() {
            vec![PaymentMethod::InstantQr]
        } else {
            Vec::new()
        }
    }

    pub fn receiving_for(&self, currency: Currency) -> Option<&ReceivingAccount> {
        self.receiving.iter().find(|a| a.currency == currency)
    }
}

/// Settings of a shop that never saved any: the server's flags.
pub fn default_settings(config: &Config, name: &str, currency: Currency, locale: &str, sandbox: bool) -> ShopSettings {
    let limits: Vec<TransactionLimit> =
        talkshop_protocol::payment::parse_limits(&config.transaction_limits).unwrap_or_default();
    ShopSettings {
        name: name.to_owned(),
        logo_initial: name
            .chars()
            .find(|c| c.is_alphanumeric())
            .map(|c| c.to_uppercase().to_string())
            .unwrap_or("S".into()),
        logo_color: "#0f766e".into(),
        default_locale: locale.to_owned(),
        currency,
        service_window_hours: config.service_window_hours.min(168) as u32,
        away_message: String::new(),
        allowed_origins: Vec::new(),
        transaction_limits: limits,
        payout_business_days: config.payout_business_days,
        sandbox,
        shipping_options: Vec::new(),
        pickup: false,
        pickup_address: String::new(),
        unread_mail_minutes: talkshop_protocol::shop::default_unread_mail_minutes(),
        business_hours: None,
    }
}

pub fn to_json<T: serde::Serialize>(value: &T) -> AppResult<String> {
    serde_json::to_string(value).map_err(|e| AppError::Internal(e.to_string()))
}

fn parse_json<T: serde::de::DeserializeOwned>(what: &str, raw: &str) -> AppResult<T> {
    serde_json::from_str(raw).map_err(|e| AppError::Internal(format!("stored {what} are unreadable: {e}")))
}

fn from_record(config: &Config, record: ShopRecord) -> AppResult<ShopConfig> {
    let settings = match &record.settings {
        Some(raw) => parse_json("shop settings", raw)?,
        // A shop from before settings existed (the demo shops of older databases).
        None => {
            let mut s = default_settings(config, &record.info.name, Currency::Brl, "en", true);
            s.allowed_origins = vec!["*".into()];
            s
        }
    };
    let receiving = match &record.receiving {
        Some(raw) => parse_json("receiving accounts", raw)?,
        None => Vec::new(),
    };
    Ok(ShopConfig { info: record.info, settings, receiving })
}

/// Recently read shop configurations: most requests of a buyer ask for them
/// (origin check, methods, limits); a node re-reads after a few seconds, and
/// at once after its own changes.
#[derive(Clone, Default)]
pub struct ShopCache(Arc<Mutex<HashMap<String, CachedShop>>>, OriginCache);

type CachedShop = (Instant, Arc<ShopConfig>);

const CACHE_FOR: Duration = Duration::from_secs(5);

impl ShopCache {
    pub fn forget(&self, shop_id: &str) {
        self.1.lock().unwrap_or_else(|e| e.into_inner()).take();
        self.0.lock().unwrap_or_else(|e| e.into_inner()).remove(shop_id);
    }

    fn get(&self, shop_id: &str) -> Option<Arc<ShopConfig>> {
        let cache = self.0.lock().unwrap_or_else(|e| e.into_inner());
        cache.get(shop_id).filter(|(at, _)| at.elapsed() < CACHE_FOR).map(|(_, c)| c.clone())
    }

    fn put(&self, shop_id: &str, config: Arc<ShopConfig>) {
        let mut cache = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() > 10_000 {
            cache.clear();
        }
        cache.insert(shop_id.to_owned(), (Instant::now(), config));
    }
}

/// Whether any shop lets its widget run on `origin` (CORS preflights carry no
/// token, so they are answered for the union of all shops' lists; each token is
/// then checked against its own shop's). The union is re-read every few seconds.
pub async fn allowed_anywhere(state: &AppState, origin: &str) -> bool {
    let cached = state.shops.1.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let origins = match cached {
        Some((at, origins)) if at.elapsed() < CACHE_FOR => origins,
        _ => {
            let Ok(shops) = all(state.storage.as_ref(), &state.config).await else { return false };
            let origins: Arc<Vec<String>> =
                Arc::new(shops.into_iter().flat_map(|(shop, _)| shop.settings.allowed_origins).collect());
            *state.shops.1.lock().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), origins.clone()));
            origins
        }
    };
    let origin = origin.trim_end_matches('/');
    origins.iter().any(|o| o == "*" || o.eq_ignore_ascii_case(origin))
}

/// The union of all shops' allowed origins and when it was read.
pub type OriginCache = Arc<Mutex<Option<(Instant, Arc<Vec<String>>)>>>;

/// The shop's configuration, or `None` for an unknown shop.
pub async fn find(state: &AppState, shop_id: &str) -> AppResult<Option<Arc<ShopConfig>>> {
    if let Some(hit) = state.shops.get(shop_id) {
        return Ok(Some(hit));
    }
    let Some(record) = state.storage.shop_record(shop_id).await? else { return Ok(None) };
    let config = Arc::new(from_record(&state.config, record)?);
    state.shops.put(shop_id, config.clone());
    Ok(Some(config))
}

/// The shop's configuration; 404 for an unknown shop.
pub async fn load(state: &AppState, shop_id: &str) -> AppResult<Arc<ShopConfig>> {
    find(state, shop_id).await?.ok_or_else(|| ApiError::not_found("Shop").into())
}

/// All shops, for the operator.
pub async fn all(storage: &dyn Storage, config: &Config) -> AppResult<Vec<(ShopConfig, i64)>> {
    let mut out = Vec::new();
    for record in storage.shop_records().await? {
        let staff = record.staff_count;
        out.push((from_record(config, record)?, staff));
    }
    Ok(out)
}

pub fn hash_password(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))
}

/// A hash nobody's password matches, verified for unknown e-mails so that a
/// wrong address costs as much argon2 work as a wrong password.
static DECOY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Argon2 runs at most this many at once (each takes ~19 MiB and a core for a while):
/// a flood of sign-ins waits its turn instead of exhausting memory and threads.
static ARGON2_TURNS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

/// Hashes a new password off the async workers, in turn with the other argon2 work.
pub async fn hash_password_off_thread(password: String) -> AppResult<String> {
    let _turn = ARGON2_TURNS.acquire().await.map_err(|e| AppError::Internal(e.to_string()))?;
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
}

/// Checks `password` against `stored` (or the decoy when there is no account), off the async workers.
pub async fn verify_password(stored: Option<String>, password: String) -> bool {
    let Ok(_turn) = ARGON2_TURNS.acquire().await else { return false };
    tokio::task::spawn_blocking(move || {
        let decoy = DECOY_HASH.get_or_init(|| hash_password("decoy password that nobody has").unwrap_or_default());
        let hash = stored.as_deref().unwrap_or(decoy);
        let ok = PasswordHash::new(hash)
            .is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok());
        ok && stored.is_some()
    })
    .await
    .unwrap_or(false)
}

/// A password to give once: 20 characters from an unambiguous alphabet.
pub fn one_time_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    (0..20).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
}

/// A random token for links and keys (URL-safe).
pub fn random_token(bytes: usize) -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

pub fn sha256_hex(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Creates a shop and its owner (CLI and admin API); the owner's password is returned once.
pub async fn create(storage: &dyn Storage, config: &Config, req: &CreateShop) -> AppResult<CreatedShop> {
    let id = req.id.trim();
    validate_shop_id(id)?;
    let email = req.owner_email.trim().to_ascii_lowercase();
    validate_email(&email)?;
    if !LOCALES.contains(&req.locale.as_str()) {
        return Err(ApiError::invalid("locale", "The language is one of en, pt-BR, th, id").into());
    }
    let settings = default_settings(config, req.name.trim(), req.currency, &req.locale, req.sandbox);
    settings.validate()?;
    // Without a name, the address's local part ("maria" for maria@loja.example).
    let local = email.split('@').next().unwrap_or("owner");
    let owner_name = req.owner_name.as_deref().map(str::trim).filter(|n| !n.is_empty()).unwrap_or(local);
    talkshop_protocol::shop::validate_staff_name(owner_name)?;
    let password = one_time_password();
    let owner = Staff {
        id: uuid::Uuid::new_v4().to_string(),
        shop_id: id.to_owned(),
        email: email.clone(),
        name: owner_name.to_owned(),
        password_hash: hash_password(&password)?,
        role: StaffRole::Owner,
    };
    let info = ShopInfo { id: id.to_owned(), name: settings.name.clone() };
    let json = serde_json::to_string(&settings).map_err(|e| AppError::Internal(e.to_string()))?;
    let now = crate::clock::now_millis();
    if !storage.create_shop(&info, &json, &owner, now).await? {
        let taken =
            if storage.shop(id).await?.is_some() { "A shop with this id" } else { "A staff account with this e-mail" };
        return Err(ApiError::new(talkshop_protocol::ErrorCode::Conflict, format!("{taken} already exists")).into());
    }
    audit_in(storage, id, "operator", "shop.create", format!("shop {id} created with owner {email}")).await?;
    Ok(CreatedShop { id: info.id, name: info.name, owner_email: email, owner_password: password })
}

/// Writes one line of a shop's audit log.
pub async fn audit(state: &AppState, shop_id: &str, actor: &str, action: &str, detail: String) -> AppResult<()> {
    audit_in(state.storage.as_ref(), shop_id, actor, action, detail).await
}

/// [`audit`] for callers without the server's state (the CLI).
async fn audit_in(storage: &dyn Storage, shop_id: &str, actor: &str, action: &str, detail: String) -> AppResult<()> {
    let entry =
        AuditEntry { at: crate::clock::now_millis(), actor: actor.to_owned(), action: action.to_owned(), detail };
    storage.audit(shop_id, &entry).await
}

/// Adds a staff member (CLI); answers their one-time password.
pub async fn add_staff(
    storage: &dyn Storage,
    shop_id: &str,
    email: &str,
    name: &str,
    role: StaffRole,
) -> AppResult<String> {
    let email = email.trim().to_ascii_lowercase();
    validate_email(&email)?;
    talkshop_protocol::shop::validate_staff_name(name)?;
    if storage.shop(shop_id).await?.is_none() {
        return Err(ApiError::not_found("Shop").into());
    }
    let password = one_time_password();
    let staff = Staff {
        id: uuid::Uuid::new_v4().to_string(),
        shop_id: shop_id.to_owned(),
        email: email.clone(),
        name: name.trim().to_owned(),
        password_hash: hash_password(&password)?,
        role,
    };
    if !storage.insert_staff(&staff).await? {
        return Err(
            ApiError::new(talkshop_protocol::ErrorCode::Conflict, "This e-mail already has a staff account").into()
        );
    }
    audit_in(storage, shop_id, "operator", "staff.add", format!("added {email} as {}", role.as_str())).await?;
    Ok(password)
}

/// Gives a staff member a new one-time password (CLI).
pub async fn reset_password(storage: &dyn Storage, email: &str) -> AppResult<String> {
    let email = email.trim().to_ascii_lowercase();
    let staff = storage.staff_by_email(&email).await?.ok_or_else(|| ApiError::not_found("Staff account"))?;
    let password = one_time_password();
    storage.set_staff_password(&staff.id, &hash_password(&password)?).await?;
    audit_in(storage, &staff.shop_id, "operator", "staff.password_reset", format!("password of {email} reset")).await?;
    Ok(password)
}
