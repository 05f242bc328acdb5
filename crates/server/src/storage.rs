//! The storage layer: one trait, one implementation per database. Handlers
//! only see the trait: SQLite for one process, PostgreSQL for one or several.

mod attachment_store;
mod buyer_details;
mod mail_store;
pub mod postgres;
mod presence_store;
mod shop_admin;
pub mod sqlite;
mod webhook_store;

pub use attachment_store::{AttachmentRecord, StoredAttachment};
pub use mail_store::{ClaimedMail, MailOutcome, MailRecord, Reader, UnreadBurst};
pub use webhook_store::{ClaimedDelivery, DeliveryOutcome, WebhookEndpointRecord};

use async_trait::async_trait;
use talkshop_protocol::payment::PaymentRequest;
use talkshop_protocol::shop::{AuditEntry, StaffRole};
use talkshop_protocol::{Cart, ConversationSummary, Message, MessageBody, Order, Product, Sender, ShopInfo};

use crate::error::AppResult;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visitor {
    pub id: String,
    pub shop_id: String,
    pub device_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    pub id: String,
    pub shop_id: String,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub role: StaffRole,
}

/// A shop's row: its public info and its settings and receiving accounts as stored JSON
/// (`None`: never saved, the server's defaults apply).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopRecord {
    pub info: ShopInfo,
    pub settings: Option<String>,
    pub receiving: Option<String>,
    pub staff_count: i64,
}

/// An invitation to join a shop's staff; only a hash of its token is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invite {
    pub id: String,
    pub shop_id: String,
    pub email: String,
    pub role: StaffRole,
    pub token_hash: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// A named merchant API key; only a hash of the key is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    pub id: String,
    pub shop_id: String,
    pub name: String,
    pub prefix: String,
    pub key_hash: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    pub id: String,
    pub shop_id: String,
    pub visitor_id: String,
    pub last_seq: i64,
    pub buyer_read_seq: i64,
    pub merchant_read_seq: i64,
    pub buyer_delivered_seq: i64,
    pub merchant_delivered_seq: i64,
}

/// A user the merchant vouched for (identity verification).
#[derive(Debug, Clone)]
pub struct IdentifiedUser<'a> {
    pub user_id: &'a str,
    pub name: Option<&'a str>,
    pub email: Option<&'a str>,
}

/// Result of appending a message: a new one, or the one already stored under
/// the same client id (a retry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Appended {
    Created(Message),
    Existing(Message),
}

/// A message to store; `id` and `seq` are assigned by storage.
#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    pub conversation_id: &'a str,
    pub sender: Sender,
    pub client_id: &'a str,
    pub body: &'a MessageBody,
    pub created_at: i64,
}

/// Everything a purchase request stores at once.
#[derive(Debug, Clone)]
pub struct PlacedOrder<'a> {
    pub message: NewMessage<'a>,
    pub order: &'a Order,
    pub owner: &'a Visitor,
    /// The cart as it was read when the order was built; if it changed since, nothing is stored.
    pub ordered_cart: &'a Cart,
    pub emptied_cart: &'a Cart,
}

/// An order with the shop and buyer it belongs to.
#[derive(Debug, Clone)]
pub struct StoredOrder {
    pub order: Order,
    pub shop_id: String,
    pub visitor_id: String,
}

/// Edits a cart in place; answers whether to store the result.
pub type CartEdit<'a> = &'a mut (dyn FnMut(&mut Cart) -> AppResult<bool> + Send);

/// Gets the stored products asked for and answers the products to store.
pub type ProductEdit<'a> = &'a mut (dyn FnMut(Vec<Product>) -> AppResult<Vec<Product>> + Send);

/// A payment request with what decides who may touch it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPayment {
    pub request: PaymentRequest,
    pub shop_id: String,
    pub visitor_id: String,
    pub version: i64,
}

#[derive(Debug, Clone)]
pub struct NewPaymentRequest<'a> {
    pub request: &'a PaymentRequest,
    pub shop_id: &'a str,
    pub visitor_id: &'a str,
    pub message: NewMessage<'a>,
}

/// What an idempotency key says about a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Idempotency {
    /// First use: go ahead, then record the answer.
    New,
    /// The same call is running right now.
    InProgress,
    /// The same call was answered: replay it.
    Done { status: u16, response: String },
    /// The key was used for a different body.
    Mismatch,
}

/// A slice of history: after `after` and/or before `before`, at most `limit`.
#[derive(Debug, Clone, Copy)]
pub struct HistoryQuery {
    pub after: Option<i64>,
    pub before: Option<i64>,
    pub limit: u32,
}

/// Staff, merchants' own shops, invitations, API keys and the audit log:
/// implemented once for both databases (`shop_admin.rs`).
#[async_trait]
pub trait ShopAdmin: Send + Sync {
    async fn staff_by_email(&self, email: &str) -> AppResult<Option<Staff>>;
    async fn upsert_staff(&self, staff: &Staff) -> AppResult<()>;

    async fn set_setting(&self, key: &str, value: &str) -> AppResult<()>;
    /// Creates a shop with its settings and first owner in one transaction;
    /// `false` (nothing stored) when the shop id or the owner's e-mail is taken.
    async fn create_shop(&self, shop: &ShopInfo, settings: &str, owner: &Staff, now: i64) -> AppResult<bool>;
    async fn shop_record(&self, id: &str) -> AppResult<Option<ShopRecord>>;
    async fn shop_records(&self) -> AppResult<Vec<ShopRecord>>;
    /// Stores the settings JSON and the shop's name from it.
    async fn save_shop_settings(&self, id: &str, name: &str, settings: &str) -> AppResult<()>;
    async fn save_receiving(&self, id: &str, receiving: &str) -> AppResult<()>;
    async fn staff_by_id(&self, id: &str) -> AppResult<Option<Staff>>;
    async fn shop_staff(&self, shop_id: &str) -> AppResult<Vec<Staff>>;
    /// Adds a staff member; `false` when the e-mail is taken.
    async fn insert_staff(&self, staff: &Staff) -> AppResult<bool>;
    async fn delete_staff(&self, shop_id: &str, id: &str) -> AppResult<bool>;
    async fn set_staff_password(&self, id: &str, password_hash: &str) -> AppResult<bool>;
    async fn create_invite(&self, invite: &Invite) -> AppResult<()>;
    /// Invitations of a shop not used and not expired at `now`.
    async fn invites(&self, shop_id: &str, now: i64) -> AppResult<Vec<Invite>>;
    async fn delete_invite(&self, shop_id: &str, id: &str) -> AppResult<bool>;
    /// Marks an unused, unexpired invitation used and answers it (once, even when asked twice at once).
    async fn take_invite(&self, token_hash: &str, now: i64) -> AppResult<Option<Invite>>;
    async fn create_api_key(&self, key: &ApiKeyRecord) -> AppResult<()>;
    async fn api_keys(&self, shop_id: &str) -> AppResult<Vec<ApiKeyRecord>>;
    async fn revoke_api_key(&self, shop_id: &str, id: &str) -> AppResult<bool>;
    async fn audit(&self, shop_id: &str, entry: &AuditEntry) -> AppResult<()>;
    /// Newest first.
    async fn audit_log(&self, shop_id: &str, limit: i64) -> AppResult<Vec<AuditEntry>>;

    /// The shop of a key, noting when it was last used.
    async fn shop_for_api_key(&self, key_hash: &str, now: i64) -> AppResult<Option<String>>;
}

/// Webhook endpoints and the delivery queue: implemented once for both
/// databases (`webhook_store.rs`).
#[async_trait]
pub trait WebhookStore: Send + Sync {
    async fn create_webhook_endpoint(&self, endpoint: &WebhookEndpointRecord) -> AppResult<()>;
    /// Oldest first.
    async fn webhook_endpoints(&self, shop_id: &str) -> AppResult<Vec<WebhookEndpointRecord>>;
    async fn webhook_endpoint(&self, id: &str) -> AppResult<Option<WebhookEndpointRecord>>;
    /// Removes an endpoint; its pending deliveries become `failed`.
    async fn delete_webhook_endpoint(&self, shop_id: &str, id: &str) -> AppResult<bool>;
    /// One pending delivery per endpoint of the shop that wants `event`; answers how many.
    async fn enqueue_webhook_event(
        &self,
        shop_id: &str,
        event_id: &str,
        event: &str,
        payload: &str,
        now: i64,
        give_up_at: i64,
    ) -> AppResult<usize>;
    /// Leases one due delivery until `lease_until` and counts the attempt;
    /// two nodes never get the same delivery while its lease runs.
    async fn claim_webhook_delivery(&self, now: i64, lease_until: i64) -> AppResult<Option<ClaimedDelivery>>;
    async fn finish_webhook_delivery(&self, id: &str, outcome: &DeliveryOutcome, now: i64) -> AppResult<()>;
    /// Newest first; one endpoint's when given.
    async fn webhook_deliveries(
        &self,
        shop_id: &str,
        endpoint_id: Option<&str>,
        limit: i64,
    ) -> AppResult<Vec<talkshop_protocol::webhook::WebhookDelivery>>;
    /// Queues a delivery of the shop again, due now; `None` when unknown (or its endpoint is gone).
    async fn resend_webhook_delivery(
        &self,
        shop_id: &str,
        id: &str,
        now: i64,
        give_up_at: i64,
    ) -> AppResult<Option<talkshop_protocol::webhook::WebhookDelivery>>;
}

/// What a buyer gave before, for them to use again (`buyer_details.rs`).
#[async_trait]
pub trait BuyerDetails: Send + Sync {
    /// The newest order with contact and delivery in the principal's conversation
    /// of the shop (an identified user's devices share it).
    async fn last_order_with_contact(&self, shop_id: &str, principal: &str) -> AppResult<Option<Order>>;
    /// Where the buyer may be e-mailed: the address the shop's backend gave when it
    /// identified the user (`POST /visitors/identify`).
    async fn buyer_email(&self, shop_id: &str, principal: &str) -> AppResult<Option<String>>;
}

/// The mail queue, unsubscribed addresses, unread bursts and resume links
/// (`mail_store.rs`, once for both databases).
#[async_trait]
pub trait MailStore: Send + Sync {
    async fn mail_queued(&self, dedupe_key: &str) -> AppResult<bool>;
    /// Stores the mail unless one with its `dedupe_key` exists; answers whether it was stored.
    async fn enqueue_mail(&self, mail: &MailRecord) -> AppResult<bool>;
    /// Leases one due mail until `lease_until` and counts the attempt.
    async fn claim_mail(&self, now: i64, lease_until: i64) -> AppResult<Option<ClaimedMail>>;
    /// Records the outcome, only while the claim's lease (`lease_until`) is still this node's.
    async fn finish_mail(&self, id: &str, lease_until: i64, outcome: &MailOutcome, now: i64) -> AppResult<()>;
    async fn opted_out(&self, shop_id: &str, address: &str) -> AppResult<bool>;
    async fn set_opted_out(&self, shop_id: &str, address: &str, out: bool, now: i64) -> AppResult<()>;
    /// Conversations with messages `reader` has not read, the first written in `since..=until`.
    async fn unread_bursts(&self, reader: Reader, since: i64, until: i64) -> AppResult<Vec<UnreadBurst>>;
    /// The burst at `read_seq` needs no more work (mailed, or nobody to mail).
    async fn burst_handled(&self, reader: Reader, conversation_id: &str, read_seq: i64) -> AppResult<()>;
    /// Whether the address confirmed it wants this shop's chat mail.
    async fn mail_confirmed(&self, shop_id: &str, address: &str) -> AppResult<bool>;
    async fn confirm_mail_address(&self, shop_id: &str, address: &str, now: i64) -> AppResult<()>;
    async fn create_resume_link(
        &self,
        token_hash: &str,
        shop_id: &str,
        conversation_id: &str,
        principal: &str,
        now: i64,
        expires_at: i64,
    ) -> AppResult<()>;
    /// Uses a link once: the principal whose conversation it opens, if it is unused and unexpired.
    async fn use_resume_link(&self, token_hash: &str, shop_id: &str, now: i64) -> AppResult<Option<String>>;
}

/// One staff console socket's state, as its node refreshes it.
#[derive(Debug, Clone)]
pub struct PresenceBeat<'a> {
    pub socket_id: &'a str,
    pub node: &'a str,
    pub shop_id: &'a str,
    pub staff_id: &'a str,
    pub state: talkshop_protocol::presence::StaffPresence,
    pub now: i64,
}

/// Staff presence and buyers' e-mail addresses: implemented once for both
/// databases (`presence_store.rs`).
#[async_trait]
pub trait PresenceStore: Send + Sync {
    /// Records a staff socket's state, stamped `now` (inserted on its first beat).
    async fn beat_presence(&self, beat: &PresenceBeat<'_>) -> AppResult<()>;
    async fn drop_presence(&self, socket_id: &str) -> AppResult<()>;
    /// The best state among the shop's sockets refreshed since `seen_since`.
    async fn shop_presence(
        &self,
        shop_id: &str,
        seen_since: i64,
    ) -> AppResult<talkshop_protocol::presence::StaffPresence>;
    /// Deletes the rows of sockets not refreshed since `seen_before` (their
    /// node stopped) and answers their shops.
    async fn sweep_presence(&self, seen_before: i64) -> AppResult<Vec<String>>;
    /// Conversation, sender and time of a shop's messages since `since`, newest first, at most `limit`.
    async fn shop_message_times(&self, shop_id: &str, since: i64, limit: i64) -> AppResult<Vec<(String, Sender, i64)>>;
    async fn set_conversation_email(&self, conversation_id: &str, email: &str, now: i64) -> AppResult<()>;
    async fn conversation_email(
        &self,
        conversation_id: &str,
    ) -> AppResult<Option<talkshop_protocol::presence::StoredBuyerEmail>>;
}

/// Descriptions of attached photos and files (`attachment_store.rs`); the bytes are in a `FileStore`.
#[async_trait]
pub trait AttachmentStore: Send + Sync {
    async fn insert_attachment(&self, record: &AttachmentRecord) -> AppResult<()>;
    /// The attachment with its conversation's shop and visitor.
    async fn attachment(&self, id: &str) -> AppResult<Option<StoredAttachment>>;
    async fn delete_attachment(&self, id: &str) -> AppResult<()>;
}

#[async_trait]
pub trait Storage:
    ShopAdmin + WebhookStore + BuyerDetails + MailStore + PresenceStore + AttachmentStore + Send + Sync + 'static
{
    async fn setting(&self, key: &str) -> AppResult<Option<String>>;
    /// Stores `value` unless the key exists; returns what is stored.
    async fn init_setting(&self, key: &str, value: &str) -> AppResult<String>;

    async fn upsert_shop(&self, shop: &ShopInfo) -> AppResult<()>;
    async fn shop(&self, id: &str) -> AppResult<Option<ShopInfo>>;

    async fn create_visitor(&self, shop_id: &str, device_id: &str, now: i64) -> AppResult<Visitor>;
    async fn visitor(&self, id: &str) -> AppResult<Option<Visitor>>;
    /// Attaches a visitor to a merchant-verified user of its shop: the first
    /// visitor to identify as the user owns the user's conversation from then
    /// on; later visitors (other devices) share it. Answers that owner's id.
    async fn identify_visitor(&self, visitor: &Visitor, user: &IdentifiedUser<'_>, now: i64) -> AppResult<String>;

    /// The visitor's conversation with the shop, created on first call.
    async fn open_conversation(&self, shop_id: &str, visitor_id: &str, now: i64) -> AppResult<Conversation>;
    async fn conversation(&self, id: &str) -> AppResult<Option<Conversation>>;
    /// Summaries as `viewer` sees them (unread counts messages of the other party).
    async fn summary(&self, id: &str, viewer: Sender) -> AppResult<Option<ConversationSummary>>;
    /// A buyer's conversations, newest activity first.
    async fn visitor_conversations(&self, visitor_id: &str) -> AppResult<Vec<ConversationSummary>>;
    /// A shop's inbox: conversations with at least one message, newest activity first.
    async fn shop_inbox(&self, shop_id: &str, limit: u32) -> AppResult<Vec<ConversationSummary>>;

    async fn append_message(&self, message: NewMessage<'_>) -> AppResult<Appended>;
    /// Ascending by `seq`; `has_more` when `limit` cut the slice.
    async fn messages(&self, conversation_id: &str, query: HistoryQuery) -> AppResult<(Vec<Message>, bool)>;
    /// Raises the reader's read mark to `seq` (never lowers it, never past the last message),
    /// and their delivered mark with it (read implies received).
    async fn mark_read(&self, conversation_id: &str, reader: Sender, seq: i64) -> AppResult<i64>;
    /// Raises the party's delivered mark to `seq` (never lowers it, never past
    /// the last message); answers the stored mark.
    async fn mark_delivered(&self, conversation_id: &str, party: Sender, seq: i64) -> AppResult<i64>;

    // Catalog

    /// A shop's products, by SKU; archived ones only when asked.
    async fn products(&self, shop_id: &str, include_archived: bool) -> AppResult<Vec<Product>>;
    /// The named products of a shop (archived included); unknown ids are absent.
    async fn products_by_ids(&self, shop_id: &str, ids: &[String]) -> AppResult<Vec<Product>>;
    /// Inserts or replaces products in one transaction.
    async fn save_products(&self, shop_id: &str, products: &[Product]) -> AppResult<()>;
    /// Reads the named products (archived included, unknown ones absent) and
    /// stores what `edit` answers, with no other write in between, so versions
    /// never collide and a SKU is created once. An error stores nothing.
    /// Answers what was stored.
    async fn edit_products(&self, shop_id: &str, ids: &[String], edit: ProductEdit<'_>) -> AppResult<Vec<Product>>;

    // Carts

    /// The cart of one buyer on one device, if it was ever stored.
    async fn cart(&self, owner: &Visitor) -> AppResult<Option<Cart>>;
    /// Edits the cart of one buyer on one device with no other write in
    /// between: `edit` gets the stored cart (a new empty one before the first
    /// write) and answers whether to store it; an error stores nothing.
    /// Answers the cart and whether it was stored.
    async fn edit_cart(&self, owner: &Visitor, edit: CartEdit<'_>) -> AppResult<(Cart, bool)>;
    /// The owners of the carts in a shop that hold a product.
    async fn carts_holding(&self, shop_id: &str, retailer_id: &str) -> AppResult<Vec<Visitor>>;

    // Orders

    /// Stores the order message, the order and the emptied cart in one
    /// transaction; a retry with the same client id changes nothing, and a
    /// cart that changed since it was read is a conflict that stores nothing.
    async fn place_order(&self, placed: PlacedOrder<'_>) -> AppResult<Appended>;
    /// Newest first; a visitor's own when `visitor_id` is given.
    async fn orders(&self, shop_id: &str, visitor_id: Option<&str>) -> AppResult<Vec<Order>>;
    async fn order(&self, id: &str) -> AppResult<Option<StoredOrder>>;
    /// Replaces a stored order's data (staff correcting the address).
    async fn update_order(&self, order: &Order) -> AppResult<()>;
    /// When the buyer last wrote in a conversation.
    async fn last_buyer_message_at(&self, conversation_id: &str) -> AppResult<Option<i64>>;
    /// The message a sender stored under a client id, if any (retries).
    async fn message_by_client_id(
        &self,
        conversation_id: &str,
        sender: Sender,
        client_id: &str,
    ) -> AppResult<Option<Message>>;

    // Payments

    /// Stores a payment request and its card message in one transaction.
    async fn create_payment_request(&self, created: NewPaymentRequest<'_>) -> AppResult<Appended>;
    async fn payment_request(&self, id: &str) -> AppResult<Option<StoredPayment>>;
    /// A shop's requests (a buyer's own when `visitor_id` is given), newest first, optionally in one state.
    async fn payment_requests(
        &self,
        shop_id: &str,
        visitor_id: Option<&str>,
        state: Option<&str>,
    ) -> AppResult<Vec<StoredPayment>>;
    /// Unpaid requests whose expiry has passed, across shops.
    async fn expired_payment_requests(&self, now: i64) -> AppResult<Vec<StoredPayment>>;
    /// Shipped or delivered requests of any shop with a payout scheduled (released or not).
    async fn scheduled_payouts(&self, shop_id: Option<&str>) -> AppResult<Vec<StoredPayment>>;
    /// Compare and swap: stores `request` only if the stored version is still `expected_version`.
    async fn update_payment_request(&self, request: &PaymentRequest, expected_version: i64) -> AppResult<bool>;
    /// Claims an idempotency key, or tells what happened to it before.
    async fn idempotency_begin(&self, scope: &str, key: &str, request_hash: &str, now: i64) -> AppResult<Idempotency>;
    async fn idempotency_finish(&self, scope: &str, key: &str, status: u16, response: &str) -> AppResult<()>;
    /// Releases a key whose call failed on our side, so a retry can run.
    async fn idempotency_forget(&self, scope: &str, key: &str) -> AppResult<()>;

    async fn close(&self);
}
