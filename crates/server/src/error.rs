//! Errors as values: every failure becomes a protocol [`ApiError`] with a 4xx
//! or 5xx status; internals stay in the log.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use talkshop_protocol::error::ErrorBody;
use talkshop_protocol::{ApiError, ErrorCode};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Api(ApiError),
    #[error("storage: {0}")]
    Storage(#[from] sqlx::Error),
    #[error("storage migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Internal(String),
    /// Too many attempts: 429 with `Retry-After` (seconds).
    #[error("rate limited for {0} s")]
    RateLimited(u64),
}

pub type AppResult<T> = Result<T, AppError>;

impl From<ApiError> for AppError {
    fn from(e: ApiError) -> Self {
        AppError::Api(e)
    }
}

impl AppError {
    /// The error as the client sees it.
    pub fn to_api(&self) -> ApiError {
        match self {
            AppError::Api(e) => e.clone(),
            AppError::Storage(e) if database_unreachable(e) => {
                ApiError::new(ErrorCode::Unavailable, "The shop is temporarily unavailable; try again shortly")
            }
            AppError::RateLimited(secs) => ApiError::new(
                ErrorCode::RateLimited,
                format!("Too many attempts; try again in {} minute(s)", secs.div_ceil(60)),
            ),
            _ => ApiError::new(ErrorCode::Internal, "Something went wrong on our side"),
        }
    }
}

/// Whether the database could not be reached (down, restarting, out of
/// connections) rather than refusing the request: the client may retry.
fn database_unreachable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Protocol(_) => true,
        // SQLSTATE class 08 is "connection exception"; 57P01-03 are a server
        // shutting down or starting up; 53300 is too many connections.
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            code.starts_with("08") || ["57P01", "57P02", "57P03", "53300"].contains(&code.as_ref())
        }),
        _ => false,
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let api = self.to_api();
        if api.code.http_status() >= 500 {
            tracing::error!(error = %self, "request failed");
        }
        let mut response = error_response(api);
        if let AppError::RateLimited(secs) = self {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(secs));
        }
        response
    }
}

pub fn error_response(api: ApiError) -> Response {
    let status = StatusCode::from_u16(api.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(ErrorBody { error: api })).into_response()
}

/// `Json` that answers unreadable bodies with the app's own error body.
#[derive(Debug, Clone, Copy, Default)]
pub struct AppJson<T>(pub T);

impl<T, S> FromRequest<S> for AppJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<ObjectOnly<T>>::from_request(req, state).await {
            Ok(Json(ObjectOnly(value))) => Ok(AppJson(value)),
            Err(rejection) => Err(json_rejection(rejection).into()),
        }
    }
}

/// Reads `T` only from a JSON object: serde alone also accepts a struct
/// written as an array (`["c1","hi"]` for `{"client_id":"c1","text":"hi"}`).
struct ObjectOnly<T>(T);

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for ObjectOnly<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<T>(std::marker::PhantomData<T>);

        impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for ObjectVisitor<T> {
            type Value = T;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }

        deserializer.deserialize_map(ObjectVisitor(std::marker::PhantomData)).map(ObjectOnly)
    }
}

impl<T: serde::Serialize> IntoResponse for AppJson<T> {
    fn into_response(self) -> Response {
        Json(self.0).into_response()
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::JsonDataError(e) => ApiError::bad_request(format!("Invalid request body: {}", e.body_text())),
        JsonRejection::JsonSyntaxError(_) => ApiError::bad_request("Request body is not valid JSON"),
        JsonRejection::MissingJsonContentType(_) => {
            ApiError::bad_request("Expected a JSON body with Content-Type: application/json")
        }
        JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(ErrorCode::PayloadTooLarge, "Request body is too large")
        }
        other => ApiError::bad_request(other.body_text()),
    }
}

pub fn path_rejection(rejection: PathRejection) -> AppError {
    ApiError::bad_request(format!("Invalid path: {}", rejection.body_text())).into()
}

pub fn query_rejection(rejection: QueryRejection) -> AppError {
    ApiError::bad_request(format!("Invalid query: {}", rejection.body_text())).into()
}
