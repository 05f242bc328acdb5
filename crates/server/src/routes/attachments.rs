//! Photos and PDFs in a conversation: uploaded as the raw request body (up to
//! 10 MB on this route only), checked by content, photos re-encoded without
//! their metadata, and sent into the thread as an attachment message. Only the
//! conversation's parties can read them back; to anyone else they do not exist.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use talkshop_protocol::attachment::{
    attachment_alt, attachment_name, too_large, unsupported_type, FileType, MAX_ATTACHMENT_BYTES,
};
use talkshop_protocol::{validate_client_id, ApiError, Attachment, AttachmentKind, ErrorCode, Message, MessageBody};

use crate::auth::Viewer;
use crate::clock;
use crate::error::{path_rejection, query_rejection, AppError, AppJson, AppResult};
use crate::routes::conversations::{authorized, republish, store_and_publish};
use crate::state::AppState;
use crate::storage::{AttachmentRecord, StoredAttachment};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/conversations/{id}/attachments",
            post(upload).layer(DefaultBodyLimit::max(MAX_ATTACHMENT_BYTES)),
        )
        .route("/api/v1/attachments/{id}", get(file))
        .route("/api/v1/attachments/{id}/thumb", get(thumb))
}

/// The file store's key of an attachment's thumbnail.
fn thumb_key(id: &str) -> String {
    format!("{id}.thumb")
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UploadParams {
    client_id: String,
    /// The file's name on the sender's device (shown as text).
    name: Option<String>,
    /// A description of the photo; the name when absent.
    alt: Option<String>,
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

async fn upload(
    State(state): State<AppState>,
    viewer: Viewer,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<UploadParams>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> AppResult<(StatusCode, AppJson<Message>)> {
    let Path(id) = path.map_err(path_rejection)?;
    let Query(params) = query.map_err(query_rejection)?;
    validate_client_id(&params.client_id)?;
    let name = attachment_name(params.name.as_deref().unwrap_or_default())?;
    let alt = attachment_alt(params.alt.as_deref(), &name)?;
    let conversation = authorized(&state, &viewer, &id).await?;
    let bytes = body.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => too_large(),
        _ => ApiError::bad_request("The file could not be read"),
    })?;
    if bytes.is_empty() {
        return Err(ApiError::invalid("file", "The file is empty").into());
    }
    if bytes.len() > MAX_ATTACHMENT_BYTES {
        return Err(too_large().into());
    }
    let file_type = FileType::sniff(&bytes).ok_or_else(unsupported_type)?;
    let sha256 = sha256_hex(&bytes);
    if let Some(existing) = state.storage.message_by_client_id(&id, viewer.sender(), &params.client_id).await? {
        return retried(&state, &conversation, existing, &sha256).await;
    }
    let processed = tokio::task::spawn_blocking(move || crate::media::process(bytes.to_vec(), file_type))
        .await
        .map_err(|e| AppError::Internal(format!("processing an attachment: {e}")))??;
    let attachment = Attachment {
        id: uuid::Uuid::new_v4().to_string(),
        kind: file_type.kind(),
        name,
        mime: file_type.mime().into(),
        size: processed.file.len() as u64,
        width: processed.width,
        height: processed.height,
        alt,
    };
    let record = AttachmentRecord {
        attachment: attachment.clone(),
        conversation_id: id,
        uploader: viewer.sender(),
        uploader_id: viewer.claims.principal().to_owned(),
        sha256,
        created_at: clock::now_millis(),
    };
    state.files.put(&attachment.id, processed.file).await?;
    if let Some(thumb) = processed.thumb {
        state.files.put(&thumb_key(&attachment.id), thumb).await?;
    }
    state.storage.insert_attachment(&record).await?;
    let body = MessageBody::Attachment(attachment.clone());
    let stored = store_and_publish(&state, &conversation, viewer.sender(), &params.client_id, body).await;
    if stored.is_err() {
        // Another upload with this client id won the race: this one's file goes.
        let _ = state.storage.delete_attachment(&attachment.id).await;
        let _ = state.files.delete(&attachment.id).await;
        let _ = state.files.delete(&thumb_key(&attachment.id)).await;
    }
    stored
}

/// A retry: the same file under the same client id gets the stored message
/// back (and both parties hear of it again); anything else is a conflict.
async fn retried(
    state: &AppState,
    conversation: &crate::storage::Conversation,
    existing: Message,
    sha256: &str,
) -> AppResult<(StatusCode, AppJson<Message>)> {
    let same = match &existing.body {
        MessageBody::Attachment(a) => {
            state.storage.attachment(&a.id).await?.is_some_and(|stored| stored.record.sha256 == sha256)
        }
        _ => false,
    };
    if !same {
        return Err(ApiError {
            code: ErrorCode::Conflict,
            message: "This client_id was already used for a different message".into(),
            field: Some("client_id".into()),
        }
        .into());
    }
    republish(state, conversation, &existing).await;
    Ok((StatusCode::OK, AppJson(existing)))
}

/// The attachment if the viewer is a party of its conversation; 404 to
/// anyone else, as for an id that does not exist.
async fn readable(
    state: &AppState,
    viewer: &Viewer,
    path: Result<Path<String>, PathRejection>,
) -> AppResult<StoredAttachment> {
    let Path(id) = path.map_err(path_rejection)?;
    state
        .storage
        .attachment(&id)
        .await?
        .filter(|a| viewer.may_access(&a.shop_id, &a.visitor_id))
        .ok_or_else(|| ApiError::not_found("Attachment").into())
}

async fn file(
    State(state): State<AppState>,
    viewer: Viewer,
    path: Result<Path<String>, PathRejection>,
) -> AppResult<Response> {
    let stored = readable(&state, &viewer, path).await?;
    let a = &stored.record.attachment;
    serve(&state, &a.id, a).await
}

async fn thumb(
    State(state): State<AppState>,
    viewer: Viewer,
    path: Result<Path<String>, PathRejection>,
) -> AppResult<Response> {
    let stored = readable(&state, &viewer, path).await?;
    let a = &stored.record.attachment;
    if a.kind != AttachmentKind::Image {
        return Err(ApiError::not_found("Thumbnail").into());
    }
    serve(&state, &thumb_key(&a.id), a).await
}

/// The bytes with the type found at upload, never sniffed again by the
/// browser; photos shown in place, PDFs downloaded; kept by the browser only.
async fn serve(state: &AppState, key: &str, a: &Attachment) -> AppResult<Response> {
    let bytes = state.files.get(key).await?.ok_or_else(|| {
        tracing::error!(attachment = %a.id, key, "attachment described but its file is missing");
        ApiError::not_found("Attachment")
    })?;
    let disposition = match a.kind {
        AttachmentKind::Image => "inline",
        AttachmentKind::Pdf => "attachment",
    };
    let disposition = format!("{disposition}; {}", filename_params(&a.name));
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_str(&a.mime).unwrap_or(HeaderValue::from_static("application/octet-stream")),
        ),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (
            header::CONTENT_DISPOSITION,
            HeaderValue::from_str(&disposition).unwrap_or(HeaderValue::from_static("attachment")),
        ),
        (header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=86400")),
        (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox")),
    ];
    Ok((headers, bytes).into_response())
}

/// `filename="…"` in plain ASCII and `filename*=UTF-8''…` with the real name (RFC 6266).
fn filename_params(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| if (c.is_ascii_graphic() && c != '"' && c != '\\') || c == ' ' { c } else { '_' })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_in_headers_are_quoted_and_encoded() {
        assert_eq!(filename_params("a b.pdf"), "filename=\"a b.pdf\"; filename*=UTF-8''a%20b.pdf");
        assert_eq!(filename_params("é\"x\r.pdf"), "filename=\"__x_.pdf\"; filename*=UTF-8''%C3%A9%22x%0D.pdf");
    }
}
