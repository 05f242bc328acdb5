//! The REST client (gloo-net fetch). Every failure comes back as an
//! [`ApiError`] the UI can show, including "cannot reach the server".

use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::IgnoredAny;
use serde::Serialize;
use talkshop_protocol::catalog::CatalogPage;
use talkshop_protocol::deferred::CartJson;
use talkshop_protocol::error::ErrorBody;
use talkshop_protocol::json::{self, ToValue};
use talkshop_protocol::order::OrderList;
use talkshop_protocol::shop::{
    AcceptInvite, ApiKeyList, AuditLog, ChangePassword, ConsoleMe, CreateApiKey, CreatedApiKey, CreatedInvite,
    IdentitySecret, InviteStaff, ReceivingSettings, SettingsPage, ShopSettings, StaffList,
};
use talkshop_protocol::{
    AddToCart, ApiError, Cart, ConversationList, ConversationSummary, CreateVisitor, ErrorCode, MarkRead, Message,
    MessagePage, Product, ProductInput, ProductMessage, SendOrder, SendProducts, SendText, SetQuantity, StaffLogin,
    StaffSession, VisitorSession,
};

use crate::reading::ReadJson;
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Api {
    /// Origin of the server, empty for the page's own origin.
    pub base: String,
    pub token: Option<String>,
}

/// A refused sign-in, and how long to wait when there were too many attempts (429 `Retry-After`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginFailure {
    pub error: ApiError,
    pub retry_after_secs: Option<u64>,
}

pub fn unreachable() -> ApiError {
    ApiError::new(ErrorCode::Unavailable, "Can't reach the shop right now")
}

impl Api {
    pub fn new(base: impl Into<String>) -> Api {
        Api { base: base.into().trim_end_matches('/').to_owned(), token: None }
    }

    pub fn with_token(&self, token: impl Into<String>) -> Api {
        Api { base: self.base.clone(), token: Some(token.into()) }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }

    /// `ws://` or `wss://` URL of the live socket.
    pub fn socket_url(&self) -> String {
        let origin = if self.base.is_empty() {
            web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default()
        } else {
            self.base.clone()
        };
        let ws_origin = origin.replacen("https://", "wss://", 1).replacen("http://", "ws://", 1);
        let token = self.token.clone().unwrap_or_default();
        format!("{ws_origin}/api/v1/ws?token={}", js_sys::encode_uri_component(&token))
    }

    pub(crate) fn authorized(&self, builder: RequestBuilder) -> RequestBuilder {
        match &self.token {
            Some(token) => builder.header("Authorization", &format!("Bearer {token}")),
            None => builder,
        }
    }

    /// The body of a successful answer, or the error the server sent. Not
    /// generic: the wasm has one copy of the fetch and its error handling, and
    /// only the JSON reading at the end is per answer type.
    async fn answer(response: Result<Response, gloo_net::Error>) -> Result<String, ApiError> {
        let response = response.map_err(|_| unreachable())?;
        let text = response.text().await;
        if response.ok() {
            return text.map_err(|_| unreachable());
        }
        Err(Self::refusal(response.status(), text.ok()))
    }

    /// The error of an answer that is not a success: the server's own body, or one made from the status.
    pub(crate) fn refusal(status: u16, text: Option<String>) -> ApiError {
        match text.and_then(|text| ErrorBody::read_json(&text).ok()) {
            Some(body) => body.error,
            None if status >= 500 || status == 0 => unreachable(),
            None => ApiError::bad_request(format!("The shop answered {status}")),
        }
    }

    async fn parse<T: ReadJson>(text: Result<String, ApiError>) -> Result<T, ApiError> {
        crate::parts::read_json(&text?).await.map_err(|_| unreachable())
    }

    /// A request body as JSON (the one generic step of sending one).
    fn body<B: Serialize + ?Sized>(body: &B) -> Result<String, ApiError> {
        serde_json::to_string(body).map_err(|_| unreachable())
    }

    async fn request(
        &self,
        builder: RequestBuilder,
        body: Option<Result<String, ApiError>>,
    ) -> Result<String, ApiError> {
        let builder = self.authorized(builder);
        let request = match body {
            Some(json) => builder.header("Content-Type", "application/json").body(json?).map_err(|_| unreachable())?,
            None => builder.build().map_err(|_| unreachable())?,
        };
        Self::answer(request.send().await).await
    }

    async fn get<T: ReadJson>(&self, path: &str) -> Result<T, ApiError> {
        Self::parse(self.request(Request::get(&self.url(path)), None).await).await
    }

    async fn post<B: Serialize, T: ReadJson>(&self, path: &str, body: &B) -> Result<T, ApiError> {
        Self::parse(self.request(Request::post(&self.url(path)), Some(Self::body(body))).await).await
    }

    /// A DELETE answered without a body (204), or the error.
    async fn delete(&self, path: &str) -> Result<(), ApiError> {
        self.request(Request::delete(&self.url(path)), None).await.map(|_| ())
    }

    async fn put<B: Serialize, T: ReadJson>(&self, path: &str, body: &B) -> Result<T, ApiError> {
        Self::parse(self.request(Request::put(&self.url(path)), Some(Self::body(body))).await).await
    }

    /// A request whose body `talkshop_protocol::json` writes: the first load's
    /// requests, without a serde serializer for each body type.
    async fn send_written<T: ReadJson>(
        &self,
        builder: RequestBuilder,
        body: &(impl ToValue + ?Sized),
    ) -> Result<T, ApiError> {
        Self::parse(self.request(builder, Some(Ok(json::to_string(body)))).await).await
    }

    /// A POST that carries nothing: the body `{}`.
    async fn post_empty<T: ReadJson>(&self, path: &str) -> Result<T, ApiError> {
        Self::parse(self.request(Request::post(&self.url(path)), Some(Ok("{}".to_owned()))).await).await
    }

    async fn send_json<B: Serialize, T: ReadJson>(
        &self,
        builder: RequestBuilder,
        body: Option<&B>,
    ) -> Result<T, ApiError> {
        Self::parse(self.request(builder, body.map(Self::body)).await).await
    }

    pub async fn create_visitor(&self, shop: &str, device_id: &str) -> Result<VisitorSession, ApiError> {
        let body = CreateVisitor { shop: shop.into(), device_id: device_id.into() };
        self.send_written(Request::post(&self.url("/visitors")), &body).await
    }

    /// A mail's resume link: a session on this device in the buyer's conversation.
    pub async fn resume(&self, shop: &str, device_id: &str, token: &str) -> Result<VisitorSession, ApiError> {
        let body =
            talkshop_protocol::ResumeRequest { shop: shop.into(), device_id: device_id.into(), token: token.into() };
        self.send_written(Request::post(&self.url("/visitors/resume")), &body).await
    }

    /// Identity verification: the merchant vouched for `user_id` with `user_hash`.
    pub async fn identify(&self, request: &talkshop_protocol::IdentifyRequest) -> Result<VisitorSession, ApiError> {
        self.post("/visitors/identify", request).await
    }

    /// The shop's name, logo letter and colour, its availability, and how it ships.
    pub async fn shop_look(&self, shop: &str) -> Result<talkshop_protocol::ShopLook, ApiError> {
        self.get(&format!("/shops/{shop}")).await
    }

    /// What the widget's header shows: the same answer, without the shipping terms.
    pub async fn shop_header(&self, shop: &str) -> Result<talkshop_protocol::ShopHeader, ApiError> {
        self.get(&format!("/shops/{shop}")).await
    }

    /// Outside business hours: where the buyer may be answered by e-mail.
    pub async fn save_buyer_email(
        &self,
        conversation: &str,
        body: &talkshop_protocol::presence::BuyerEmail,
    ) -> Result<talkshop_protocol::presence::StoredBuyerEmail, ApiError> {
        self.send_written(Request::put(&self.url(&format!("/conversations/{conversation}/email"))), body).await
    }

    pub async fn conversations(&self) -> Result<Vec<ConversationSummary>, ApiError> {
        self.get::<ConversationList>("/conversations").await.map(|l| l.conversations)
    }

    pub async fn conversation(&self, id: &str) -> Result<ConversationSummary, ApiError> {
        self.get(&format!("/conversations/{id}")).await
    }

    pub async fn open_conversation(&self) -> Result<ConversationSummary, ApiError> {
        self.post_empty("/conversations").await
    }

    /// The newest page of history (up to `limit` messages before `before_seq`).
    pub async fn latest_messages(&self, id: &str, before_seq: i64, limit: u32) -> Result<MessagePage, ApiError> {
        self.get(&format!("/conversations/{id}/messages?before={before_seq}&limit={limit}")).await
    }

    /// Messages after `after_seq`, oldest first (to fill a gap).
    pub async fn messages_after(&self, id: &str, after_seq: i64, limit: u32) -> Result<MessagePage, ApiError> {
        self.get(&format!("/conversations/{id}/messages?after={after_seq}&limit={limit}")).await
    }

    pub async fn send_text(&self, id: &str, client_id: &str, text: &str) -> Result<Message, ApiError> {
        let body = SendText { client_id: client_id.into(), text: text.into() };
        self.send_written(Request::post(&self.url(&format!("/conversations/{id}/messages"))), &body).await
    }

    pub async fn mark_read(&self, id: &str, seq: i64) -> Result<MarkRead, ApiError> {
        self.send_written(Request::post(&self.url(&format!("/conversations/{id}/read"))), &MarkRead { seq }).await
    }

    pub async fn login(&self, email: &str, password: &str) -> Result<StaffSession, LoginFailure> {
        let body = StaffLogin { email: email.into(), password: password.into() };
        let request = Request::post(&self.url("/console/login"))
            .json(&body)
            .map_err(|_| LoginFailure { error: unreachable(), retry_after_secs: None })?;
        let response = request.send().await;
        let retry_after_secs = response
            .as_ref()
            .ok()
            .filter(|r| r.status() == 429)
            .and_then(|r| r.headers().get("Retry-After"))
            .and_then(|v| v.trim().parse().ok());
        Self::parse(Self::answer(response).await).await.map_err(|error| LoginFailure { error, retry_after_secs })
    }

    /// Who the console token belongs to (shop, name, role).
    pub async fn me(&self) -> Result<ConsoleMe, ApiError> {
        self.get("/console/me").await
    }

    // The shop's own administration (console; owners, except the password)

    /// An invited person sets a name and password; answers a signed-in session.
    pub async fn accept_invite(&self, body: &AcceptInvite) -> Result<StaffSession, ApiError> {
        self.post("/console/invites/accept", body).await
    }

    pub async fn notifications(&self) -> Result<talkshop_protocol::StaffNotifications, ApiError> {
        self.get("/console/notifications").await
    }

    pub async fn set_notifications(
        &self,
        body: &talkshop_protocol::StaffNotifications,
    ) -> Result<talkshop_protocol::StaffNotifications, ApiError> {
        self.put("/console/notifications", body).await
    }

    pub async fn change_password(&self, body: &ChangePassword) -> Result<(), ApiError> {
        self.request(Request::post(&self.url("/console/password")), Some(Self::body(body))).await.map(|_| ())
    }

    pub async fn settings(&self) -> Result<SettingsPage, ApiError> {
        self.get("/console/settings").await
    }

    pub async fn save_settings(&self, settings: &ShopSettings) -> Result<SettingsPage, ApiError> {
        self.put("/console/settings", settings).await
    }

    pub async fn rotate_identity_secret(&self) -> Result<IdentitySecret, ApiError> {
        self.post_empty("/console/settings/identity-secret").await
    }

    pub async fn receiving(&self) -> Result<ReceivingSettings, ApiError> {
        self.get("/console/receiving").await
    }

    pub async fn save_receiving(&self, body: &ReceivingSettings) -> Result<ReceivingSettings, ApiError> {
        self.put("/console/receiving", body).await
    }

    pub async fn staff(&self) -> Result<StaffList, ApiError> {
        self.get("/console/staff").await
    }

    pub async fn invite_staff(&self, body: &InviteStaff) -> Result<CreatedInvite, ApiError> {
        self.post("/console/staff/invites", body).await
    }

    pub async fn revoke_invite(&self, id: &str) -> Result<(), ApiError> {
        self.delete(&format!("/console/staff/invites/{}", js_sys::encode_uri_component(id))).await
    }

    pub async fn remove_staff(&self, id: &str) -> Result<(), ApiError> {
        self.delete(&format!("/console/staff/{}", js_sys::encode_uri_component(id))).await
    }

    pub async fn api_keys(&self) -> Result<ApiKeyList, ApiError> {
        self.get("/console/api-keys").await
    }

    pub async fn create_api_key(&self, name: &str) -> Result<CreatedApiKey, ApiError> {
        self.post("/console/api-keys", &CreateApiKey { name: name.into() }).await
    }

    pub async fn delete_api_key(&self, id: &str) -> Result<(), ApiError> {
        self.delete(&format!("/console/api-keys/{}", js_sys::encode_uri_component(id))).await
    }

    pub async fn webhooks(&self) -> Result<talkshop_protocol::webhook::WebhookList, ApiError> {
        self.get("/console/webhooks").await
    }

    pub async fn create_webhook(
        &self,
        req: &talkshop_protocol::webhook::CreateWebhook,
    ) -> Result<talkshop_protocol::webhook::CreatedWebhook, ApiError> {
        self.post("/console/webhooks", req).await
    }

    pub async fn delete_webhook(&self, id: &str) -> Result<(), ApiError> {
        self.delete(&format!("/console/webhooks/{}", js_sys::encode_uri_component(id))).await
    }

    pub async fn webhook_deliveries(&self) -> Result<talkshop_protocol::webhook::DeliveryList, ApiError> {
        self.get("/console/webhooks/deliveries").await
    }

    pub async fn resend_delivery(&self, id: &str) -> Result<talkshop_protocol::webhook::WebhookDelivery, ApiError> {
        let path = format!("/console/webhooks/deliveries/{}/resend", js_sys::encode_uri_component(id));
        self.post_empty(&path).await
    }

    pub async fn audit(&self) -> Result<AuditLog, ApiError> {
        self.get("/console/audit").await
    }

    // Catalog

    /// The shop's products by SKU, archived ones included (flagged).
    pub async fn products(&self, retailer_ids: &[String]) -> Result<Vec<Product>, ApiError> {
        let ids: Vec<String> = retailer_ids.iter().map(|id| String::from(js_sys::encode_uri_component(id))).collect();
        self.get::<CatalogPage>(&format!("/catalog/products?ids={}", ids.join(","))).await.map(|p| p.products)
    }

    pub async fn catalog(&self) -> Result<Vec<Product>, ApiError> {
        self.get::<CatalogPage>("/catalog").await.map(|p| p.products)
    }

    pub async fn create_product(&self, product: &ProductInput) -> Result<Product, ApiError> {
        self.post("/catalog/products", product).await
    }

    pub async fn update_product(&self, product: &ProductInput) -> Result<Product, ApiError> {
        let path = self.url(&format!("/catalog/products/{}", js_sys::encode_uri_component(&product.retailer_id)));
        self.send_json(Request::put(&path), Some(product)).await
    }

    pub async fn archive_product(&self, retailer_id: &str) -> Result<Product, ApiError> {
        let path = format!("/catalog/products/{}/archive", js_sys::encode_uri_component(retailer_id));
        self.post_empty(&path).await
    }

    pub async fn send_products(
        &self,
        conversation: &str,
        client_id: &str,
        message: ProductMessage,
    ) -> Result<Message, ApiError> {
        let body = SendProducts { client_id: client_id.into(), message };
        self.post(&format!("/conversations/{conversation}/products"), &body).await
    }

    // Cart

    pub async fn cart(&self) -> Result<Cart, ApiError> {
        self.get("/cart").await.map(CartJson::into_cart)
    }

    pub async fn add_to_cart(&self, line: &AddToCart) -> Result<Cart, ApiError> {
        self.post("/cart/lines", line).await.map(CartJson::into_cart)
    }

    pub async fn set_quantity(&self, line_id: &str, quantity: u32) -> Result<Cart, ApiError> {
        let path = self.url(&format!("/cart/lines/{}", js_sys::encode_uri_component(line_id)));
        self.send_json(Request::patch(&path), Some(&SetQuantity { quantity })).await.map(CartJson::into_cart)
    }

    pub async fn remove_line(&self, line_id: &str) -> Result<Cart, ApiError> {
        let path = self.url(&format!("/cart/lines/{}", js_sys::encode_uri_component(line_id)));
        self.send_json::<(), _>(Request::delete(&path), None).await.map(CartJson::into_cart)
    }

    pub async fn clear_cart(&self) -> Result<Cart, ApiError> {
        self.send_json::<(), _>(Request::delete(&self.url("/cart")), None).await.map(CartJson::into_cart)
    }

    pub async fn acknowledge_cart(&self) -> Result<Cart, ApiError> {
        self.post_empty("/cart/acknowledge").await.map(CartJson::into_cart)
    }

    pub async fn send_order(&self, conversation: &str, order: &SendOrder) -> Result<Message, ApiError> {
        self.post(&format!("/conversations/{conversation}/order"), order).await
    }

    pub async fn orders(&self) -> Result<OrderList, ApiError> {
        self.get("/orders").await
    }

    /// The buyer's own last contact and delivery (any of an identified user's devices).
    pub async fn remembered_checkout(&self) -> Result<talkshop_protocol::order::RememberedCheckout, ApiError> {
        self.get("/checkout/remembered").await
    }

    /// Staff correct an order's delivery address, with a note (audited).
    pub async fn correct_address(
        &self,
        order_id: &str,
        body: &talkshop_protocol::order::CorrectAddress,
    ) -> Result<talkshop_protocol::Order, ApiError> {
        self.post(&format!("/orders/{order_id}/address"), body).await
    }

    // Payments

    pub async fn create_payment_request(
        &self,
        conversation: &str,
        body: &talkshop_protocol::payment::CreatePaymentRequest,
    ) -> Result<Message, ApiError> {
        self.post(&format!("/conversations/{conversation}/payment-requests"), body).await
    }

    /// Pays with an idempotency key: a retry with the same key gets the first answer.
    pub async fn pay(
        &self,
        request_id: &str,
        body: &talkshop_protocol::payment::PayRequest,
        idempotency_key: &str,
    ) -> Result<talkshop_protocol::payment::PaymentRequest, ApiError> {
        let builder = Request::post(&self.url(&format!("/payment-requests/{request_id}/pay")))
            .header("Idempotency-Key", idempotency_key);
        self.send_json(builder, Some(body)).await
    }

    /// A merchant action: `cancel`, `ship`, `deliver` or `refund`.
    pub async fn payment_action(
        &self,
        request_id: &str,
        action: &str,
        body: &talkshop_protocol::payment::ShipRequest,
    ) -> Result<talkshop_protocol::payment::PaymentRequest, ApiError> {
        self.post(&format!("/payment-requests/{request_id}/{action}"), body).await
    }

    /// The demo's stand-in for a bank: a signed sandbox confirmation (staff only).
    /// The answer's body is not read (only success or the error matters).
    pub async fn sandbox_confirm(&self, request_id: &str) -> Result<IgnoredAny, ApiError> {
        self.post_empty(&format!("/payment-requests/{request_id}/sandbox-confirm")).await
    }

    /// The shop confirms by hand that an instant payment reached its account (owners).
    pub async fn mark_received(
        &self,
        request_id: &str,
        body: &talkshop_protocol::payment::MarkReceived,
    ) -> Result<talkshop_protocol::payment::PaymentRequest, ApiError> {
        self.post(&format!("/payment-requests/{request_id}/receive"), body).await
    }

    /// Where the QR code image of a pending instant payment is served.
    pub fn qr_image_url(&self, request_id: &str) -> Option<String> {
        let safe = !request_id.is_empty() && request_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        safe.then(|| self.url(&format!("/payment-requests/{request_id}/qr.svg")))
    }

    /// Payment requests, newest first (staff: the shop's, optionally in one state; buyer: their own).
    pub async fn payment_requests(
        &self,
        state: Option<&str>,
    ) -> Result<talkshop_protocol::payment::PaymentRequestList, ApiError> {
        match state {
            Some(state) => self.get(&format!("/payment-requests?state={}", js_sys::encode_uri_component(state))).await,
            None => self.get("/payment-requests").await,
        }
    }

    pub async fn payouts(&self) -> Result<talkshop_protocol::payment::PayoutSummary, ApiError> {
        self.get("/payouts").await
    }
}
