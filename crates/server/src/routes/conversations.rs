//! Conversations and their messages, for buyers and staff alike; the token's
//! role decides what a caller may see and do.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use talkshop_protocol::validation::page_size;
use talkshop_protocol::{
    validate_client_id, validate_text, ApiError, ConversationList, ConversationSummary, ErrorCode, MarkRead, Message,
    MessageBody, MessagePage, SendText, Sender, ServerFrame,
};

use crate::auth::Viewer;
use crate::clock;
use crate::error::{path_rejection, query_rejection, AppJson, AppResult};
use crate::hub::Audience;
use crate::state::AppState;
use crate::storage::{Appended, Conversation, HistoryQuery, NewMessage};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/conversations", get(list).post(open))
        .route("/api/v1/conversations/{id}", get(show))
        .route("/api/v1/conversations/{id}/messages", get(history).post(send))
        .route("/api/v1/conversations/{id}/read", post(read))
}

/// The conversation, if the viewer may see it: 404 when it does not exist, 403 when it is someone else's.
pub async fn authorized(state: &AppState, viewer: &Viewer, id: &str) -> AppResult<Conversation> {
    let conversation = state.storage.conversation(id).await?.ok_or_else(|| ApiError::not_found("Conversation"))?;
    if !viewer.may_access(&conversation.shop_id, &conversation.visitor_id) {
        return Err(ApiError::forbidden("This conversation belongs to someone else").into());
    }
    Ok(conversation)
}

fn conversation_id(path: Result<Path<String>, PathRejection>) -> AppResult<String> {
    path.map(|Path(id)| id).map_err(path_rejection)
}

async fn list(State(state): State<AppState>, viewer: Viewer) -> AppResult<AppJson<ConversationList>> {
    let conversations = if viewer.is_staff() {
        state.storage.shop_inbox(&viewer.claims.shop, 200).await?
    } else {
        state.storage.visitor_conversations(viewer.claims.principal()).await?
    };
    Ok(AppJson(ConversationList { conversations }))
}

/// A buyer opens (or reopens) their conversation with the shop.
async fn open(State(state): State<AppState>, viewer: Viewer) -> AppResult<(StatusCode, AppJson<ConversationSummary>)> {
    if viewer.is_staff() {
        return Err(ApiError::forbidden("Only buyers start conversations").into());
    }
    let conversation =
        state.storage.open_conversation(&viewer.claims.shop, viewer.claims.principal(), clock::now_millis()).await?;
    let summary = state
        .storage
        .summary(&conversation.id, Sender::Buyer)
        .await?
        .ok_or_else(|| ApiError::not_found("Conversation"))?;
    let status = if conversation.last_seq == 0 { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, AppJson(summary)))
}

async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    path: Result<Path<String>, PathRejection>,
) -> AppResult<AppJson<ConversationSummary>> {
    let id = conversation_id(path)?;
    authorized(&state, &viewer, &id).await?;
    let summary =
        state.storage.summary(&id, viewer.sender()).await?.ok_or_else(|| ApiError::not_found("Conversation"))?;
    Ok(AppJson(summary))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HistoryParams {
    after: Option<i64>,
    before: Option<i64>,
    limit: Option<u32>,
}

async fn history(
    State(state): State<AppState>,
    viewer: Viewer,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<HistoryParams>, QueryRejection>,
) -> AppResult<AppJson<MessagePage>> {
    let id = conversation_id(path)?;
    let Query(params) = query.map_err(query_rejection)?;
    for (field, value) in [("after", params.after), ("before", params.before)] {
        if value.is_some_and(|v| v < 0) {
            return Err(ApiError::invalid(field, format!("{field} must not be negative")).into());
        }
    }
    authorized(&state, &viewer, &id).await?;
    let query = HistoryQuery { after: params.after, before: params.before, limit: page_size(params.limit) };
    let (messages, has_more) = state.storage.messages(&id, query).await?;
    Ok(AppJson(MessagePage { messages, has_more }))
}

async fn send(
    State(state): State<AppState>,
    viewer: Viewer,
    path: Result<Path<String>, PathRejection>,
    AppJson(req): AppJson<SendText>,
) -> AppResult<(StatusCode, AppJson<Message>)> {
    let id = conversation_id(path)?;
    validate_client_id(&req.client_id)?;
    validate_text(&req.text)?;
    let conversation = authorized(&state, &viewer, &id).await?;
    let body = MessageBody::Text { text: req.text };
    store_and_publish(&state, &conversation, viewer.sender(), &req.client_id, body).await
}

/// Stores a message and tells both parties; a retry with the same client id
/// and body gets the stored message back (200), another body is a conflict.
pub async fn store_and_publish(
    state: &AppState,
    conversation: &Conversation,
    sender: Sender,
    client_id: &str,
    body: MessageBody,
) -> AppResult<(StatusCode, AppJson<Message>)> {
    let appended = state
        .storage
        .append_message(NewMessage {
            conversation_id: &conversation.id,
            sender,
            client_id,
            body: &body,
            created_at: clock::now_millis(),
        })
        .await?;
    match appended {
        Appended::Created(message) => {
            tracing::info!(conversation = %conversation.id, seq = message.seq, sender = sender.as_str(), "message stored");
            publish(state, conversation, ServerFrame::Message { message: message.clone() }).await;
            // Queued right after the message was stored (see `outbound::emit`).
            crate::outbound::emit(state, &conversation.shop_id, talkshop_protocol::webhook::MESSAGE_CREATED, &message)
                .await;
            Ok((StatusCode::CREATED, AppJson(message)))
        }
        Appended::Existing(message) => {
            if message.body == body {
                republish(state, conversation, &message).await;
            }
            retried(message, &body)
        }
    }
}

/// A retry of a message already stored gets the same answer and stores nothing
/// twice; the same client id with another body is a conflict.
pub fn retried(message: Message, body: &MessageBody) -> AppResult<(StatusCode, AppJson<Message>)> {
    if message.body == *body {
        return Ok((StatusCode::OK, AppJson(message)));
    }
    Err(ApiError {
        code: ErrorCode::Conflict,
        message: "This client_id was already used for a different message".into(),
        field: Some("client_id".into()),
    }
    .into())
}

async fn read(
    State(state): State<AppState>,
    viewer: Viewer,
    path: Result<Path<String>, PathRejection>,
    AppJson(req): AppJson<MarkRead>,
) -> AppResult<AppJson<MarkRead>> {
    let id = conversation_id(path)?;
    if req.seq < 0 {
        return Err(ApiError::invalid("seq", "seq must not be negative").into());
    }
    let conversation = authorized(&state, &viewer, &id).await?;
    let seq = state.storage.mark_read(&id, viewer.sender(), req.seq).await?;
    publish(&state, &conversation, ServerFrame::Read { conversation_id: id, reader: viewer.sender(), seq }).await;
    Ok(AppJson(MarkRead { seq }))
}

pub async fn publish(state: &AppState, conversation: &Conversation, frame: ServerFrame) {
    let audience =
        Audience::Conversation { shop_id: conversation.shop_id.clone(), visitor_id: conversation.visitor_id.clone() };
    crate::catalog_changes::publish(state, audience, frame).await;
}

/// Tells both parties again about a message a retry found stored: with
/// several nodes, the node that stored it may have stopped before telling
/// the others. Sockets skip messages they already sent.
pub async fn republish(state: &AppState, conversation: &Conversation, message: &Message) {
    publish(state, conversation, ServerFrame::Message { message: message.clone() }).await;
}
