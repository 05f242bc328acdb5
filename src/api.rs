//! The REST client (gloo-net fetch). Every failure comes back as an
//! [`ApiError`] the UI can show, including "cannot reach the server".

use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use talkshop_protocol::error::ErrorBody;
use talkshop_protocol::{
    ApiError, ConversationList, ConversationSummary, CreateVisitor, ErrorCode, MarkRead, Message,
    MessagePage, SendText, ShopInfo, StaffLogin, StaffSession, VisitorSession,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Api {
    /// Origin of the server, empty for the page's own origin.
    pub base: String,
    pub token: Option<String>,
}

pub fn unreachable() -> ApiError {
    ApiError::new(ErrorCode::Unavailable, "Can't reach the shop right now")
}

impl Api {
    pub fn new(base: impl Into<String>) -> Api {
        Api {
            base: base.into().trim_end_matches('/').to_owned(),
            token: None,
        }
    }

    pub fn with_token(&self, token: impl Into<String>) -> Api {
        Api {
            base: self.base.clone(),
            token: Some(token.into()),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }

    /// `ws://` or `wss://` URL of the live socket.
    pub fn socket_url(&self) -> String {
        let origin = if self.base.is_empty() {
            web_sys::window()
                .and_then(|w| w.location().origin().ok())
                .unwrap_or_default()
        } else {
            self.base.clone()
        };
        let ws_origin = origin
            .replacen("https://", "wss://", 1)
            .replacen("http://", "ws://", 1);
        let token = self.token.clone().unwrap_or_default();
        format!(
            "{ws_origin}/api/v1/ws?token={}",
            js_sys::encode_uri_component(&token)
        )
    }

    fn authorized(&self, builder: RequestBuilder) -> RequestBuilder {
        match &self.token {
            Some(token) => builder.header("Authorization", &format!("Bearer {token}")),
            None => builder,
        }
    }

    async fn read<T: DeserializeOwned>(
        response: Result<Response, gloo_net::Error>,
    ) -> Result<T, ApiError> {
        let response = response.map_err(|_| unreachable())?;
        if response.ok() {
            return response.json::<T>().await.map_err(|_| unreachable());
        }
        let status = response.status();
        match response.json::<ErrorBody>().await {
            Ok(body) => Err(body.error),
            Err(_) if status >= 500 => Err(unreachable()),
            Err(_) => Err(ApiError::bad_request(format!("The shop answered {status}"))),
        }
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        Self::read(self.authorized(Request::get(&self.url(path))).send().await).await
    }

    async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ApiError> {
        let request = self
            .authorized(Request::post(&self.url(path)))
            .json(body)
            .map_err(|_| unreachable())?;
        Self::read(request.send().await).await
    }

    pub async fn create_visitor(
        &self,
        shop: &str,
        device_id: &str,
    ) -> Result<VisitorSession, ApiError> {
        self.post(
            "/visitors",
            &CreateVisitor {
                shop: shop.into(),
                device_id: device_id.into(),
            },
        )
        .await
    }

    pub async fn conversations(&self) -> Result<Vec<ConversationSummary>, ApiError> {
        self.get::<ConversationList>("/conversations")
            .await
            .map(|l| l.conversations)
    }

    pub async fn conversation(&self, id: &str) -> Result<ConversationSummary, ApiError> {
        self.get(&format!("/conversations/{id}")).await
    }

    pub async fn open_conversation(&self) -> Result<ConversationSummary, ApiError> {
        self.post("/conversations", &serde_json::json!({})).await
    }

    /// The newest page of history (up to `limit` messages before `before_seq`).
    pub async fn latest_messages(
        &self,
        id: &str,
        before_seq: i64,
        limit: u32,
    ) -> Result<MessagePage, ApiError> {
        self.get(&format!(
            "/conversations/{id}/messages?before={before_seq}&limit={limit}"
        ))
        .await
    }

    pub async fn send_text(
        &self,
        id: &str,
        client_id: &str,
        text: &str,
    ) -> Result<Message, ApiError> {
        let body = SendText {
            client_id: client_id.into(),
            text: text.into(),
        };
        self.post(&format!("/conversations/{id}/messages"), &body)
            .await
    }

    pub async fn mark_read(&self, id: &str, seq: i64) -> Result<MarkRead, ApiError> {
        self.post(&format!("/conversations/{id}/read"), &MarkRead { seq })
            .await
    }

    pub async fn login(&self, email: &str, password: &str) -> Result<StaffSession, ApiError> {
        self.post(
            "/console/login",
            &StaffLogin {
                email: email.into(),
                password: password.into(),
            },
        )
        .await
    }

    pub async fn me(&self) -> Result<ShopInfo, ApiError> {
        self.get("/console/me").await
    }
}
