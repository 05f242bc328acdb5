//! The owner's side of the console: settings, payment receiving details,
//! staff and invitations, API keys, the audit log. Every change is audited.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{delete, get, post};
use axum::Router;
use talkshop_protocol::receiving::ReceivingAccount;
use talkshop_protocol::shop::{
    validate_email, ApiKeyInfo, ApiKeyList, AuditLog, CreateApiKey, CreatedApiKey, CreatedInvite, IdentitySecret,
    InviteStaff, PendingInvite, ReceivingSettings, SettingsPage, ShopSettings, StaffList, StaffMember, StaffRole,
    MAX_API_KEY_NAME_CHARS,
};
use talkshop_protocol::{ApiError, ErrorCode};

use crate::auth::OwnerViewer;
use crate::clock;
use crate::error::{path_rejection, AppJson, AppResult};
use crate::routes::catalog::hash_api_key;
use crate::shops::{self, random_token, sha256_hex, to_json};
use crate::state::AppState;
use crate::storage::{ApiKeyRecord, Invite};

/// Invitations are valid this long.
pub const INVITE_DAYS: i64 = 7;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/console/settings", get(settings).put(save_settings))
        .route("/api/v1/console/settings/identity-secret", post(rotate_identity_secret))
        .route("/api/v1/console/receiving", get(receiving).put(save_receiving))
        .route("/api/v1/console/staff", get(staff_list))
        .route("/api/v1/console/staff/invites", post(invite))
        .route("/api/v1/console/staff/invites/{id}", delete(revoke_invite))
        .route("/api/v1/console/staff/{id}", delete(remove_staff))
        .route("/api/v1/console/api-keys", get(api_keys).post(create_api_key))
        .route("/api/v1/console/api-keys/{id}", delete(revoke_api_key))
        .route("/api/v1/console/audit", get(audit_log))
}

/// This server's public origin: the configured one, else the `Host` the console used.
pub fn public_origin(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.config.public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let host = headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let scheme = headers.get("x-forwarded-proto").and_then(|h| h.to_str().ok()).filter(|p| *p == "https");
    format!("{}://{host}", scheme.unwrap_or("http"))
}

async fn settings_page(state: &AppState, headers: &HeaderMap, shop_id: &str) -> AppResult<SettingsPage> {
    let shop = shops::load(state, shop_id).await?;
    let origin = public_origin(state, headers);
    let locale = &shop.settings.default_locale;
    Ok(SettingsPage {
        shop_id: shop_id.to_owned(),
        embed_snippet: format!(
            "<script type=\"module\" src=\"{origin}/embed.js\" data-shop=\"{shop_id}\" data-locale=\"{locale}\" async></script>"
        ),
        identity_secret_set: state.storage.setting(&format!("identity_secret.{shop_id}")).await?.is_some()
            || state.config.identity_secret.is_some(),
        settings: shop.settings.clone(),
    })
}

async fn settings(
    State(state): State<AppState>,
    headers: HeaderMap,
    OwnerViewer(viewer): OwnerViewer,
) -> AppResult<AppJson<SettingsPage>> {
    Ok(AppJson(settings_page(&state, &headers, &viewer.staff.shop_id).await?))
}

async fn save_settings(
    State(state): State<AppState>,
    headers: HeaderMap,
    OwnerViewer(viewer): OwnerViewer,
    AppJson(mut wanted): AppJson<ShopSettings>,
) -> AppResult<AppJson<SettingsPage>> {
    let shop_id = viewer.staff.shop_id.clone();
    let current = shops::load(&state, &shop_id).await?;
    wanted.normalize();
    // Whether this is a test shop is the operator's decision, not the owner's.
    wanted.sandbox = current.settings.sandbox;
    wanted.validate()?;
    if let Some(hours) = &wanted.business_hours {
        crate::presence::check_time_zone(hours)?;
    }
    state.storage.save_shop_settings(&shop_id, &wanted.name, &to_json(&wanted)?).await?;
    state.shops.forget(&shop_id);
    // Hours or the away message may have changed what buyers see.
    crate::presence::announce(&state, &shop_id).await;
    let changed = describe_changes(&current.settings, &wanted);
    shops::audit(&state, &shop_id, &viewer.actor(), "settings.update", changed).await?;
    Ok(AppJson(settings_page(&state, &headers, &shop_id).await?))
}

/// Names the settings that changed (and to what, for the short ones).
fn describe_changes(old: &ShopSettings, new: &ShopSettings) -> String {
    let mut out = Vec::new();
    let mut note = |field: &str, changed: bool, value: String| {
        if changed {
            out.push(format!("{field}: {value}"));
        }
    };
    note("name", old.name != new.name, new.name.clone());
    note("logo", old.logo_initial != new.logo_initial || old.logo_color != new.logo_color, new.logo_color.clone());
    note("default_locale", old.default_locale != new.default_locale, new.default_locale.clone());
    note("currency", old.currency != new.currency, new.currency.to_string());
    note(
        "service_window_hours",
        old.service_window_hours != new.service_window_hours,
        new.service_window_hours.to_string(),
    );
    note("away_message", old.away_message != new.away_message, "changed".into());
    note("allowed_origins", old.allowed_origins != new.allowed_origins, new.allowed_origins.join(" "));
    note("transaction_limits", old.transaction_limits != new.transaction_limits, "changed".into());
    note(
        "shipping_options",
        old.shipping_options != new.shipping_options,
        new.shipping_options.iter().map(|o| format!("{} {}", o.id, o.price.display())).collect::<Vec<_>>().join(", "),
    );
    note(
        "pickup",
        old.pickup != new.pickup || old.pickup_address != new.pickup_address,
        if new.pickup { new.pickup_address.clone() } else { "off".into() },
    );
    note(
        "business_hours",
        old.business_hours != new.business_hours,
        new.business_hours.as_ref().map_or("none".into(), |h| h.time_zone.clone()),
    );
    note(
        "payout_business_days",
        old.payout_business_days != new.payout_business_days,
        new.payout_business_days.to_string(),
    );
    if out.is_empty() {
        "no change".into()
    } else {
        out.join("; ")
    }
}

/// A new identity-verification secret, shown once; the old one stops verifying at once.
async fn rotate_identity_secret(
    State(state): State<AppState>,
    OwnerViewer(viewer): OwnerViewer,
) -> AppResult<AppJson<IdentitySecret>> {
    let shop_id = &viewer.staff.shop_id;
    let secret = format!("tsi_{}", random_token(32));
    state.storage.set_setting(&format!("identity_secret.{shop_id}"), &secret).await?;
    shops::audit(&state, shop_id, &viewer.actor(), "identity_secret.rotate", "new identity secret".into()).await?;
    Ok(AppJson(IdentitySecret { secret }))
}

async fn receiving(
    State(state): State<AppState>,
    OwnerViewer(viewer): OwnerViewer,
) -> AppResult<AppJson<ReceivingSettings>> {
    let shop = shops::load(&state, &viewer.staff.shop_id).await?;
    Ok(AppJson(ReceivingSettings { accounts: shop.receiving.clone() }))
}

async fn save_receiving(
    State(state): State<AppState>,
    OwnerViewer(viewer): OwnerViewer,
    AppJson(mut wanted): AppJson<ReceivingSettings>,
) -> AppResult<AppJson<ReceivingSettings>> {
    if wanted.accounts.len() > 6 {
        return Err(ApiError::invalid("accounts", "At most one account per currency").into());
    }
    for account in &mut wanted.accounts {
        account.normalize();
        account.validate()?;
    }
    let mut currencies: Vec<_> = wanted.accounts.iter().map(|a| a.currency).collect();
    currencies.sort_by_key(|c| c.code());
    currencies.dedup();
    if currencies.len() != wanted.accounts.len() {
        return Err(ApiError::invalid("currency", "At most one account per currency").into());
    }
    let shop_id = viewer.staff.shop_id.clone();
    state.storage.save_receiving(&shop_id, &to_json(&wanted.accounts)?).await?;
    state.shops.forget(&shop_id);
    let detail = wanted.accounts.iter().map(describe_account).collect::<Vec<_>>().join("; ");
    let detail = if detail.is_empty() { "all receiving accounts removed".into() } else { detail };
    shops::audit(&state, &shop_id, &viewer.actor(), "payment_details.update", detail).await?;
    Ok(AppJson(wanted))
}

/// An account as the audit log shows it: type and the key's last characters only.
fn describe_account(account: &ReceivingAccount) -> String {
    let tail: String = account.key.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    let kind =
        serde_json::to_value(account.key_type).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    format!("{} {kind} …{tail}", account.currency)
}

async fn staff_list(State(state): State<AppState>, OwnerViewer(viewer): OwnerViewer) -> AppResult<AppJson<StaffList>> {
    let shop_id = &viewer.staff.shop_id;
    let staff = state.storage.shop_staff(shop_id).await?;
    let invites = state.storage.invites(shop_id, clock::now_millis()).await?;
    Ok(AppJson(StaffList {
        staff: staff
            .into_iter()
            .map(|s| StaffMember { id: s.id, email: s.email, name: s.name, role: s.role })
            .collect(),
        invites: invites.into_iter().map(pending).collect(),
    }))
}

fn pending(invite: Invite) -> PendingInvite {
    PendingInvite { id: invite.id, email: invite.email, role: invite.role, expires_at: invite.expires_at }
}

async fn invite(
    State(state): State<AppState>,
    headers: HeaderMap,
    OwnerViewer(viewer): OwnerViewer,
    AppJson(req): AppJson<InviteStaff>,
) -> AppResult<AppJson<CreatedInvite>> {
    let email = req.email.trim().to_ascii_lowercase();
    validate_email(&email)?;
    if state.storage.staff_by_email(&email).await?.is_some() {
        return Err(ApiError::new(ErrorCode::Conflict, "This e-mail already has a staff account").into());
    }
    let shop_id = viewer.staff.shop_id.clone();
    let now = clock::now_millis();
    if state.storage.invites(&shop_id, now).await?.len() >= 50 {
        return Err(ApiError::new(ErrorCode::Conflict, "Too many open invitations; revoke some first").into());
    }
    let token = random_token(24);
    let invite = Invite {
        id: uuid::Uuid::new_v4().to_string(),
        shop_id: shop_id.clone(),
        email: email.clone(),
        role: req.role,
        token_hash: sha256_hex(&token),
        created_at: now,
        expires_at: now + INVITE_DAYS * 24 * 3_600_000,
    };
    state.storage.create_invite(&invite).await?;
    let detail = format!("invited {email} as {}", req.role.as_str());
    shops::audit(&state, &shop_id, &viewer.actor(), "staff.invite", detail).await?;
    let link = format!("{}/console/#invite={token}", public_origin(&state, &headers));
    Ok(AppJson(CreatedInvite { invite: pending(invite), link }))
}

fn id_from(path: Result<Path<String>, PathRejection>) -> AppResult<String> {
    let Path(id) = path.map_err(path_rejection)?;
    if id.len() > 64 {
        return Err(ApiError::not_found("Item").into());
    }
    Ok(id)
}

async fn revoke_invite(
    State(state): State<AppState>,
    OwnerViewer(viewer): OwnerViewer,
    path: Result<Path<String>, PathRejection>,
) -> AppResult<StatusCode> {
    let id = id_from(path)?;
    let shop_id = &viewer.staff.shop_id;
    if !state.storage.delete_invite(shop_id, &id).await? {
        return Err(ApiError::not_found("Invitation").into());
    }
    shops::audit(&state, shop_id, &viewer.actor(), "staff.invite_revoke", format!("invitation {id} revoked")).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a staff member; their tokens stop working at once. Nobody removes
/// themselves, and a shop keeps at least one owner.
async fn remove_staff(
    State(state): State<AppState>,
    OwnerViewer(viewer): OwnerViewer,
    path: Result<Path<String>, PathRejection>,
) -> AppResult<StatusCode> {
    let id = id_from(path)?;
    let shop_id = viewer.staff.shop_id.clone();
    if id == viewer.staff.id {
        return Err(ApiError::new(ErrorCode::Conflict, "You cannot remove yourself; ask another owner").into());
    }
    let staff = state.storage.shop_staff(&shop_id).await?;
    let target = staff.iter().find(|s| s.id == id).ok_or_else(|| ApiError::not_found("Staff member"))?;
    let owners = staff.iter().filter(|s| s.role == StaffRole::Owner).count();
    if target.role == StaffRole::Owner && owners <= 1 {
        return Err(ApiError::new(ErrorCode::Conflict, "A shop keeps at least one owner").into());
    }
    if !state.storage.delete_staff(&shop_id, &id).await? {
        return Err(ApiError::not_found("Staff member").into());
    }
    let detail = format!("removed {} ({})", target.email, target.role.as_str());
    shops::audit(&state, &shop_id, &viewer.actor(), "staff.remove", detail).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn key_info(key: ApiKeyRecord) -> ApiKeyInfo {
    ApiKeyInfo {
        id: key.id,
        name: key.name,
        prefix: key.prefix,
        created_at: key.created_at,
        last_used_at: key.last_used_at,
    }
}

async fn api_keys(State(state): State<AppState>, OwnerViewer(viewer): OwnerViewer) -> AppResult<AppJson<ApiKeyList>> {
    let keys = state.storage.api_keys(&viewer.staff.shop_id).await?;
    Ok(AppJson(ApiKeyList { keys: keys.into_iter().map(key_info).collect() }))
}

async fn create_api_key(
    State(state): State<AppState>,
    OwnerViewer(viewer): OwnerViewer,
    AppJson(req): AppJson<CreateApiKey>,
) -> AppResult<AppJson<CreatedApiKey>> {
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > MAX_API_KEY_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(ApiError::invalid("name", "A key's name is 1 to 60 characters").into());
    }
    let shop_id = viewer.staff.shop_id.clone();
    if state.storage.api_keys(&shop_id).await?.len() >= 20 {
        return Err(ApiError::new(ErrorCode::Conflict, "At most 20 API keys; revoke one first").into());
    }
    let key = format!("tsk_{}", random_token(32));
    let record = ApiKeyRecord {
        id: uuid::Uuid::new_v4().to_string(),
        shop_id: shop_id.clone(),
        name: name.to_owned(),
        prefix: key.chars().take(8).collect(),
        key_hash: hash_api_key(&key),
        created_at: clock::now_millis(),
        last_used_at: None,
    };
    state.storage.create_api_key(&record).await?;
    shops::audit(&state, &shop_id, &viewer.actor(), "api_key.create", format!("created key {name:?}")).await?;
    Ok(AppJson(CreatedApiKey { key, info: key_info(record) }))
}

async fn revoke_api_key(
    State(state): State<AppState>,
    OwnerViewer(viewer): OwnerViewer,
    path: Result<Path<String>, PathRejection>,
) -> AppResult<StatusCode> {
    let id = id_from(path)?;
    let shop_id = &viewer.staff.shop_id;
    let name = state.storage.api_keys(shop_id).await?.into_iter().find(|k| k.id == id).map(|k| k.name);
    let name = name.ok_or_else(|| ApiError::not_found("API key"))?;
    state.storage.revoke_api_key(shop_id, &id).await?;
    shops::audit(&state, shop_id, &viewer.actor(), "api_key.revoke", format!("revoked key {name:?}")).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn audit_log(State(state): State<AppState>, OwnerViewer(viewer): OwnerViewer) -> AppResult<AppJson<AuditLog>> {
    Ok(AppJson(AuditLog { entries: state.storage.audit_log(&viewer.staff.shop_id, 500).await? }))
}
