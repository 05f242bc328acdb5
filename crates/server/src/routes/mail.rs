//! What mails link to: the unsubscribe page (a signed link per shop and
//! address; the page asks before it acts, and a one-click POST as RFC 8058
//! describes works too), the shop's hosted chat page (`/chat/{shop}`, where a
//! resume link reopens the conversation), and each staff member's own mail
//! setting.

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use talkshop_protocol::StaffNotifications;

use crate::auth::StaffViewer;
use crate::clock;
use crate::error::{AppJson, AppResult};
use crate::mail::templates::escape;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/mail/unsubscribe", get(unsubscribe_page).post(unsubscribe))
        .route("/mail/confirm", get(confirm_page).post(confirm))
        .route("/chat/{shop}", get(chat_page))
        .route("/api/v1/console/notifications", get(notifications).put(set_notifications))
}

#[derive(Debug, Deserialize)]
struct UnsubscribeQuery {
    shop: String,
    to: String,
    sig: String,
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>{title}</title></head><body style=\"font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem\">\
         <h1 style=\"font-size:1.4rem\">{title}</h1>{body}</body></html>",
        title = escape(title)
    );
    (status, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}

/// Whether the link is ours, for this purpose, and unchanged (compared in constant time).
fn genuine(state: &AppState, purpose: &str, query: &UnsubscribeQuery) -> bool {
    let expected = crate::mail::link_signature(state, purpose, &query.shop, &query.to);
    query.sig.len() == expected.len()
        && query.sig.bytes().zip(expected.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// Anything but a genuine link is refused without saying more.
fn not_genuine() -> Response {
    page(StatusCode::BAD_REQUEST, "This link is not valid", "<p>Please use the link from the e-mail as it is.</p>")
}

/// Asks first: mail scanners open links, and opening must not unsubscribe anyone.
async fn unsubscribe_page(State(state): State<AppState>, Query(query): Query<UnsubscribeQuery>) -> Response {
    if !genuine(&state, "unsubscribe", &query) {
        return not_genuine();
    }
    let body = format!(
        "<p>Stop e-mails from this shop's chat to <strong>{to}</strong>?</p>\
         <form method=\"post\"><button type=\"submit\" style=\"font:inherit;padding:.5rem 1rem\">Unsubscribe</button></form>",
        to = escape(&query.to)
    );
    page(StatusCode::OK, "Unsubscribe", &body)
}

async fn unsubscribe(State(state): State<AppState>, Query(query): Query<UnsubscribeQuery>) -> AppResult<Response> {
    if !genuine(&state, "unsubscribe", &query) {
        return Ok(not_genuine());
    }
    state.storage.set_opted_out(&query.shop, &query.to, true, clock::now_millis()).await?;
    tracing::info!(shop = %query.shop, "mail address unsubscribed");
    let body = format!("<p>{} will get no more e-mails from this shop's chat.</p>", escape(&query.to));
    Ok(page(StatusCode::OK, "Unsubscribed", &body))
}

/// Double opt-in: the page asks (scanners open links), the POST confirms.
async fn confirm_page(State(state): State<AppState>, Query(query): Query<UnsubscribeQuery>) -> Response {
    if !genuine(&state, "confirm", &query) {
        return not_genuine();
    }
    let body = format!(
        "<p>Get this shop's chat replies at <strong>{to}</strong>?</p>\
         <form method=\"post\"><button type=\"submit\" style=\"font:inherit;padding:.5rem 1rem\">Confirm</button></form>",
        to = escape(&query.to)
    );
    page(StatusCode::OK, "Confirm your e-mail", &body)
}

async fn confirm(State(state): State<AppState>, Query(query): Query<UnsubscribeQuery>) -> AppResult<Response> {
    if !genuine(&state, "confirm", &query) {
        return Ok(not_genuine());
    }
    let now = clock::now_millis();
    state.storage.confirm_mail_address(&query.shop, &query.to, now).await?;
    state.storage.set_opted_out(&query.shop, &query.to, false, now).await?;
    tracing::info!(shop = %query.shop, "mail address confirmed");
    let body = format!("<p>Replies from this shop's chat will reach {}.</p>", escape(&query.to));
    Ok(page(StatusCode::OK, "Confirmed", &body))
}

/// The shop's own chat page: the widget, open. Resume links from mails land here.
async fn chat_page(State(state): State<AppState>, Path(shop): Path<String>) -> AppResult<Response> {
    let valid = !shop.is_empty() && shop.len() <= 64 && shop.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let found = if valid { state.storage.shop(&shop).await? } else { None };
    let Some(found) = found else {
        return Ok(page(StatusCode::NOT_FOUND, "No such shop", "<p>Check the link.</p>"));
    };
    let locale = crate::shops::load(&state, &found.id).await?.settings.default_locale.clone();
    let html = format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>{name}</title></head><body style=\"font-family:system-ui,sans-serif;margin:0;padding:2rem;background:#f4f4f5\">\
         <h1 style=\"font-size:1.4rem\">{name}</h1>\
         <script type=\"module\" src=\"/embed.js\" data-shop=\"{shop}\" data-locale=\"{lang}\" data-load=\"open\" async></script>\
         </body></html>",
        lang = escape(&locale),
        name = escape(&found.name),
        shop = escape(&found.id),
    );
    Ok(([(header::CACHE_CONTROL, "no-cache")], Html(html)).into_response())
}

async fn notifications(State(state): State<AppState>, viewer: StaffViewer) -> AppResult<AppJson<StaffNotifications>> {
    let out = state.storage.opted_out(&viewer.staff.shop_id, &viewer.staff.email).await?;
    Ok(AppJson(StaffNotifications { unread_email: !out }))
}

async fn set_notifications(
    State(state): State<AppState>,
    viewer: StaffViewer,
    AppJson(req): AppJson<StaffNotifications>,
) -> AppResult<AppJson<StaffNotifications>> {
    let staff = &viewer.staff;
    state.storage.set_opted_out(&staff.shop_id, &staff.email, !req.unread_email, clock::now_millis()).await?;
    Ok(AppJson(req))
}
