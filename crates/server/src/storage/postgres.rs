//! PostgreSQL storage: shared by every server process, so nothing relies on
//! an in-process lock: per-conversation numbering and read-modify-write
//! edits take row locks inside their transaction. Migrations apply at open.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::{PgConnection, PgPool, Row};
use talkshop_protocol::payment::PaymentRequest;
use talkshop_protocol::shop::AuditEntry;
use talkshop_protocol::{
    ApiError, Cart, ConversationSummary, ErrorCode, Message, MessageBody, Order, Product, Sender, ShopInfo,
};

use super::attachment_store::attachment_storage;
use super::buyer_details::buyer_details_storage;
use super::mail_store::mail_storage;
use super::presence_store::presence_storage;
use super::shop_admin::{shop_admin_rows, shop_admin_storage};
use super::sqlite::buyer_label;
use super::webhook_store::{webhook_rows, webhook_storage};
use super::{
    ApiKeyRecord, Appended, CartEdit, Conversation, HistoryQuery, Idempotency, IdentifiedUser, Invite, NewMessage,
    NewPaymentRequest, PlacedOrder, ProductEdit, ShopRecord, Staff, Storage, StoredOrder, StoredPayment, Visitor,
};
use crate::error::{AppError, AppResult};

pub struct PostgresStorage {
    pool: PgPool,
}

impl PostgresStorage {
    /// Connects with a pool of at most `max_connections` (each node has its own pool).
    pub async fn open(url: &str, max_connections: u32) -> AppResult<PostgresStorage> {
        let options = PgConnectOptions::from_str(url)?.application_name("talkshop");
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(2))
            // While the database is down, requests fail fast with 503 instead of queueing.
            .acquire_timeout(Duration::from_secs(3))
            .connect_with(options)
            .await?;
        // Nodes starting together take turns: sqlx holds an advisory lock while migrating.
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(PostgresStorage { pool })
    }

    /// The pool, for the live-event relay that shares it.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// PostgreSQL takes concurrent writers; nothing to wait for.
    async fn turn(&self) {}
}

shop_admin_rows!(PgRow);
shop_admin_storage!(PostgresStorage);
webhook_rows!(PgRow);
webhook_storage!(PostgresStorage);
buyer_details_storage!(PostgresStorage);
attachment_storage!(PostgresStorage);
mail_storage!(PostgresStorage, PgRow);
presence_storage!(PostgresStorage);

const SUMMARY_SELECT: &str = "
SELECT c.id, c.shop_id, s.name AS shop_name, c.visitor_id, c.last_seq, c.last_activity,
       c.buyer_read_seq, c.merchant_read_seq, c.buyer_delivered_seq, c.merchant_delivered_seq,
       (SELECT COUNT(*) FROM messages m
         WHERE m.conversation_id = c.id AND m.seq > c.merchant_read_seq AND m.sender = 'buyer') AS unread_merchant,
       (SELECT COUNT(*) FROM messages m
         WHERE m.conversation_id = c.id AND m.seq > c.buyer_read_seq AND m.sender = 'merchant') AS unread_buyer,
       lm.id AS lm_id, lm.sender AS lm_sender, lm.client_id AS lm_client_id,
       lm.body AS lm_body, lm.created_at AS lm_created_at
  FROM conversations c
  JOIN shops s ON s.id = c.shop_id
  LEFT JOIN messages lm ON lm.conversation_id = c.id AND lm.seq = c.last_seq";

fn parse_body(raw: &str) -> AppResult<MessageBody> {
    serde_json::from_str(raw).map_err(|e| AppError::Internal(format!("stored message body is unreadable: {e}")))
}

fn parse_sender(raw: &str) -> AppResult<Sender> {
    Sender::parse(raw).ok_or_else(|| AppError::Internal(format!("stored sender {raw:?} is unknown")))
}

fn message_from_row(row: &PgRow) -> AppResult<Message> {
    Ok(Message {
        id: row.try_get("id")?,
        conversation_id: row.try_get("conversation_id")?,
        seq: row.try_get("seq")?,
        sender: parse_sender(row.try_get("sender")?)?,
        client_id: row.try_get("client_id")?,
        body: parse_body(row.try_get("body")?)?,
        created_at: row.try_get("created_at")?,
    })
}

fn summary_from_row(row: &PgRow, viewer: Sender) -> AppResult<ConversationSummary> {
    let id: String = row.try_get("id")?;
    let visitor_id: String = row.try_get("visitor_id")?;
    let last_seq: i64 = row.try_get("last_seq")?;
    let last_message = match row.try_get::<Option<String>, _>("lm_id")? {
        Some(lm_id) => Some(Message {
            id: lm_id,
            conversation_id: id.clone(),
            seq: last_seq,
            sender: parse_sender(row.try_get("lm_sender")?)?,
            client_id: row.try_get("lm_client_id")?,
            body: parse_body(row.try_get("lm_body")?)?,
            created_at: row.try_get("lm_created_at")?,
        }),
        None => None,
    };
    let (unread, read_seq) = match viewer {
        Sender::Merchant => (row.try_get("unread_merchant")?, row.try_get("merchant_read_seq")?),
        Sender::Buyer => (row.try_get("unread_buyer")?, row.try_get("buyer_read_seq")?),
    };
    let (peer_delivered_seq, peer_read_seq): (i64, i64) = match viewer {
        Sender::Merchant => (row.try_get("buyer_delivered_seq")?, row.try_get("buyer_read_seq")?),
        Sender::Buyer => (row.try_get("merchant_delivered_seq")?, row.try_get("merchant_read_seq")?),
    };
    Ok(ConversationSummary {
        buyer_label: buyer_label(&visitor_id),
        id,
        shop: ShopInfo { id: row.try_get("shop_id")?, name: row.try_get("shop_name")? },
        last_seq,
        last_activity: row.try_get("last_activity")?,
        unread,
        read_seq,
        peer_delivered_seq: peer_delivered_seq.max(peer_read_seq),
        peer_read_seq,
        last_message,
    })
}

fn conversation_from_row(row: &PgRow) -> AppResult<Conversation> {
    Ok(Conversation {
        id: row.try_get("id")?,
        shop_id: row.try_get("shop_id")?,
        visitor_id: row.try_get("visitor_id")?,
        last_seq: row.try_get("last_seq")?,
        buyer_read_seq: row.try_get("buyer_read_seq")?,
        merchant_read_seq: row.try_get("merchant_read_seq")?,
        buyer_delivered_seq: row.try_get("buyer_delivered_seq")?,
        merchant_delivered_seq: row.try_get("merchant_delivered_seq")?,
    })
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[async_trait]
impl Storage for PostgresStorage {
    async fn setting(&self, key: &str) -> AppResult<Option<String>> {
        Ok(sqlx::query_scalar("SELECT value FROM settings WHERE key = $1").bind(key).fetch_optional(&self.pool).await?)
    }

    async fn init_setting(&self, key: &str, value: &str) -> AppResult<String> {
        sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await?;
        Ok(sqlx::query_scalar("SELECT value FROM settings WHERE key = $1").bind(key).fetch_one(&self.pool).await?)
    }

    async fn upsert_shop(&self, shop: &ShopInfo) -> AppResult<()> {
        sqlx::query("INSERT INTO shops (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = excluded.name")
            .bind(&shop.id)
            .bind(&shop.name)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn shop(&self, id: &str) -> AppResult<Option<ShopInfo>> {
        let row = sqlx::query("SELECT id, name FROM shops WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
        row.map(|r| Ok(ShopInfo { id: r.try_get("id")?, name: r.try_get("name")? })).transpose()
    }

    async fn create_visitor(&self, shop_id: &str, device_id: &str, now: i64) -> AppResult<Visitor> {
        let visitor = Visitor { id: new_id(), shop_id: shop_id.to_owned(), device_id: device_id.to_owned() };
        sqlx::query("INSERT INTO visitors (id, shop_id, device_id, created_at) VALUES ($1, $2, $3, $4)")
            .bind(&visitor.id)
            .bind(shop_id)
            .bind(device_id)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(visitor)
    }

    async fn visitor(&self, id: &str) -> AppResult<Option<Visitor>> {
        let row = sqlx::query("SELECT id, shop_id, device_id FROM visitors WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(Visitor { id: r.try_get("id")?, shop_id: r.try_get("shop_id")?, device_id: r.try_get("device_id")? })
        })
        .transpose()
    }

    async fn identify_visitor(&self, visitor: &Visitor, user: &IdentifiedUser<'_>, now: i64) -> AppResult<String> {
        let mut tx = self.pool.begin().await?;
        // The visitor's row lock makes two identify calls of one device take turns.
        let current: Option<String> = sqlx::query_scalar("SELECT user_id FROM visitors WHERE id = $1 FOR UPDATE")
            .bind(&visitor.id)
            .fetch_optional(&mut *tx)
            .await?
            .flatten();
        if current.as_deref().is_some_and(|u| u != user.user_id) {
            return Err(
                ApiError::new(ErrorCode::Conflict, "This visitor is signed in as another user; log out first").into()
            );
        }
        sqlx::query(
            "INSERT INTO users (shop_id, user_id, owner_visitor_id, name, email, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (shop_id, user_id) DO UPDATE SET
               name = COALESCE(excluded.name, users.name),
               email = COALESCE(excluded.email, users.email),
               updated_at = excluded.updated_at",
        )
        .bind(&visitor.shop_id)
        .bind(user.user_id)
        .bind(&visitor.id)
        .bind(user.name)
        .bind(user.email)
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let owner: String =
            sqlx::query_scalar("SELECT owner_visitor_id FROM users WHERE shop_id = $1 AND user_id = $2")
                .bind(&visitor.shop_id)
                .bind(user.user_id)
                .fetch_one(&mut *tx)
                .await?;
        sqlx::query("UPDATE visitors SET user_id = $1 WHERE id = $2")
            .bind(user.user_id)
            .bind(&visitor.id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(owner)
    }

    async fn open_conversation(&self, shop_id: &str, visitor_id: &str, now: i64) -> AppResult<Conversation> {
        sqlx::query(
            "INSERT INTO conversations (id, shop_id, visitor_id, created_at, last_activity) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (shop_id, visitor_id) DO NOTHING",
        )
        .bind(new_id())
        .bind(shop_id)
        .bind(visitor_id)
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await?;
        let row = sqlx::query("SELECT * FROM conversations WHERE shop_id = $1 AND visitor_id = $2")
            .bind(shop_id)
            .bind(visitor_id)
            .fetch_one(&self.pool)
            .await?;
        conversation_from_row(&row)
    }

    async fn conversation(&self, id: &str) -> AppResult<Option<Conversation>> {
        let row = sqlx::query("SELECT * FROM conversations WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(conversation_from_row).transpose()
    }

    async fn summary(&self, id: &str, viewer: Sender) -> AppResult<Option<ConversationSummary>> {
        let row = sqlx::query(&format!("{SUMMARY_SELECT} WHERE c.id = $1")).bind(id).fetch_optional(&self.pool).await?;
        row.map(|r| summary_from_row(&r, viewer)).transpose()
    }

    async fn visitor_conversations(&self, visitor_id: &str) -> AppResult<Vec<ConversationSummary>> {
        let rows = sqlx::query(&format!("{SUMMARY_SELECT} WHERE c.visitor_id = $1 ORDER BY c.last_activity DESC"))
            .bind(visitor_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| summary_from_row(r, Sender::Buyer)).collect()
    }

    async fn shop_inbox(&self, shop_id: &str, limit: u32) -> AppResult<Vec<ConversationSummary>> {
        let rows = sqlx::query(&format!(
            "{SUMMARY_SELECT} WHERE c.shop_id = $1 AND c.last_seq > 0 ORDER BY c.last_activity DESC, c.id LIMIT $2"
        ))
        .bind(shop_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| summary_from_row(r, Sender::Merchant)).collect()
    }

    async fn append_message(&self, new: NewMessage<'_>) -> AppResult<Appended> {
        let mut tx = self.pool.begin().await?;
        let appended = append_in(&mut tx, &new).await?;
        if let Appended::Created(_) = appended {
            tx.commit().await?;
        }
        Ok(appended)
    }

    async fn messages(&self, conversation_id: &str, q: HistoryQuery) -> AppResult<(Vec<Message>, bool)> {
        let after = q.after.unwrap_or(0);
        let before = q.before.unwrap_or(i64::MAX);
        let limit = i64::from(q.limit);
        // With only `before`, the page is the newest messages below it; otherwise the oldest above `after`.
        let newest_first = q.before.is_some() && q.after.is_none();
        let order = if newest_first { "DESC" } else { "ASC" };
        let rows = sqlx::query(&format!(
            "SELECT * FROM messages WHERE conversation_id = $1 AND seq > $2 AND seq < $3 ORDER BY seq {order} LIMIT $4"
        ))
        .bind(conversation_id)
        .bind(after)
        .bind(before)
        .bind(limit + 1)
        .fetch_all(&self.pool)
        .await?;
        let has_more = rows.len() as i64 > limit;
        let mut messages = rows.iter().take(q.limit as usize).map(message_from_row).collect::<AppResult<Vec<_>>>()?;
        if newest_first {
            messages.reverse();
        }
        Ok((messages, has_more))
    }

    async fn mark_read(&self, conversation_id: &str, reader: Sender, seq: i64) -> AppResult<i64> {
        let (column, delivered) = match reader {
            Sender::Buyer => ("buyer_read_seq", "buyer_delivered_seq"),
            Sender::Merchant => ("merchant_read_seq", "merchant_delivered_seq"),
        };
        // Reading implies delivery (right-hand columns are the old values).
        let stored: i64 = sqlx::query_scalar(&format!(
            "UPDATE conversations SET {column} = GREATEST({column}, LEAST($1, last_seq)),
                    {delivered} = GREATEST({delivered}, {column}, LEAST($1, last_seq))
              WHERE id = $2 RETURNING {column}"
        ))
        .bind(seq)
        .bind(conversation_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(stored)
    }

    async fn mark_delivered(&self, conversation_id: &str, party: Sender, seq: i64) -> AppResult<i64> {
        let column = match party {
            Sender::Buyer => "buyer_delivered_seq",
            Sender::Merchant => "merchant_delivered_seq",
        };
        let stored: i64 = sqlx::query_scalar(&format!(
            "UPDATE conversations SET {column} = GREATEST({column}, LEAST($1, last_seq)) WHERE id = $2 RETURNING {column}"
        ))
        .bind(seq)
        .bind(conversation_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(stored)
    }

    async fn products(&self, shop_id: &str, include_archived: bool) -> AppResult<Vec<Product>> {
        let rows =
            sqlx::query("SELECT data FROM products WHERE shop_id = $1 AND (NOT archived OR $2) ORDER BY retailer_id")
                .bind(shop_id)
                .bind(include_archived)
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(|r| parse_json(r.try_get("data")?)).collect()
    }

    async fn products_by_ids(&self, shop_id: &str, ids: &[String]) -> AppResult<Vec<Product>> {
        let mut conn = self.pool.acquire().await?;
        read_products(&mut conn, shop_id, ids).await
    }

    async fn save_products(&self, shop_id: &str, products: &[Product]) -> AppResult<()> {
        let mut tx = self.pool.begin().await?;
        lock_catalog(&mut tx, shop_id).await?;
        for p in products {
            write_product(&mut tx, shop_id, p).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn edit_products(&self, shop_id: &str, ids: &[String], edit: ProductEdit<'_>) -> AppResult<Vec<Product>> {
        let mut tx = self.pool.begin().await?;
        // A SKU that does not exist yet has no row to lock: the shop's row stands for its catalog.
        lock_catalog(&mut tx, shop_id).await?;
        let stored = read_products(&mut tx, shop_id, ids).await?;
        let changed = edit(stored)?;
        for p in &changed {
            write_product(&mut tx, shop_id, p).await?;
        }
        tx.commit().await?;
        Ok(changed)
    }

    async fn cart(&self, owner: &Visitor) -> AppResult<Option<Cart>> {
        let mut conn = self.pool.acquire().await?;
        read_cart(&mut conn, owner).await
    }

    async fn edit_cart(&self, owner: &Visitor, edit: CartEdit<'_>) -> AppResult<(Cart, bool)> {
        let mut tx = self.pool.begin().await?;
        lock_carts_of(&mut tx, owner).await?;
        let mut cart = read_cart(&mut tx, owner).await?.unwrap_or_else(|| Cart {
            id: new_id(),
            shop_id: owner.shop_id.clone(),
            lines: Vec::new(),
            updated_at: 0,
        });
        if !edit(&mut cart)? {
            return Ok((cart, false));
        }
        write_cart(&mut tx, &cart, owner).await?;
        tx.commit().await?;
        Ok((cart, true))
    }

    async fn carts_holding(&self, shop_id: &str, retailer_id: &str) -> AppResult<Vec<Visitor>> {
        let rows = sqlx::query(
            "SELECT c.shop_id, c.visitor_id, c.device_id FROM carts c
             JOIN cart_products cp ON cp.cart_id = c.id
             WHERE cp.shop_id = $1 AND cp.retailer_id = $2",
        )
        .bind(shop_id)
        .bind(retailer_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Visitor {
                    id: r.try_get("visitor_id")?,
                    shop_id: r.try_get("shop_id")?,
                    device_id: r.try_get("device_id")?,
                })
            })
            .collect()
    }

    async fn place_order(&self, placed: PlacedOrder<'_>) -> AppResult<Appended> {
        let mut tx = self.pool.begin().await?;
        let appended = append_in(&mut tx, &placed.message).await?;
        if let Appended::Existing(_) = appended {
            return Ok(appended);
        }
        lock_carts_of(&mut tx, placed.owner).await?;
        // Another tab edited the cart, or a product change marked it, since the order was built.
        if read_cart(&mut tx, placed.owner).await?.as_ref() != Some(placed.ordered_cart) {
            return Err(ApiError {
                code: ErrorCode::Conflict,
                message: "Your cart changed while the order was being sent; review it and send it again".into(),
                field: Some("cart".into()),
            }
            .into());
        }
        sqlx::query(
            "INSERT INTO orders (id, shop_id, conversation_id, visitor_id, data, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&placed.order.id)
        .bind(&placed.owner.shop_id)
        .bind(&placed.order.conversation_id)
        .bind(&placed.owner.id)
        .bind(to_json(placed.order)?)
        .bind(placed.order.created_at)
        .execute(&mut *tx)
        .await?;
        write_cart(&mut tx, placed.emptied_cart, placed.owner).await?;
        tx.commit().await?;
        Ok(appended)
    }

    async fn orders(&self, shop_id: &str, visitor_id: Option<&str>) -> AppResult<Vec<Order>> {
        let rows = sqlx::query(
            "SELECT data FROM orders WHERE shop_id = $1 AND ($2 IS NULL OR visitor_id = $3) ORDER BY created_at DESC LIMIT 500",
        )
        .bind(shop_id)
        .bind(visitor_id)
        .bind(visitor_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| parse_json(r.try_get("data")?)).collect()
    }

    async fn order(&self, id: &str) -> AppResult<Option<StoredOrder>> {
        let row = sqlx::query("SELECT data, shop_id, visitor_id FROM orders WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(StoredOrder {
                order: parse_json(r.try_get("data")?)?,
                shop_id: r.try_get("shop_id")?,
                visitor_id: r.try_get("visitor_id")?,
            })
        })
        .transpose()
    }

    async fn update_order(&self, order: &Order) -> AppResult<()> {
        sqlx::query("UPDATE orders SET data = $1 WHERE id = $2")
            .bind(to_json(order)?)
            .bind(&order.id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn last_buyer_message_at(&self, conversation_id: &str) -> AppResult<Option<i64>> {
        Ok(sqlx::query_scalar("SELECT MAX(created_at) FROM messages WHERE conversation_id = $1 AND sender = 'buyer'")
            .bind(conversation_id)
            .fetch_one(&self.pool)
            .await?)
    }

    async fn message_by_client_id(
        &self,
        conversation_id: &str,
        sender: Sender,
        client_id: &str,
    ) -> AppResult<Option<Message>> {
        let row = sqlx::query("SELECT * FROM messages WHERE conversation_id = $1 AND sender = $2 AND client_id = $3")
            .bind(conversation_id)
            .bind(sender.as_str())
            .bind(client_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(message_from_row).transpose()
    }

    async fn create_payment_request(&self, created: NewPaymentRequest<'_>) -> AppResult<Appended> {
        let mut tx = self.pool.begin().await?;
        let appended = append_in(&mut tx, &created.message).await?;
        if let Appended::Existing(_) = appended {
            return Ok(appended);
        }
        let r = created.request;
        sqlx::query(
            "INSERT INTO payment_requests (id, shop_id, conversation_id, visitor_id, order_id, state, data, version, expires_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9)",
        )
        .bind(&r.id)
        .bind(created.shop_id)
        .bind(&r.conversation_id)
        .bind(created.visitor_id)
        .bind(&r.order_id)
        .bind(r.state.label())
        .bind(to_json(r)?)
        .bind(r.expires_at)
        .bind(r.updated_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(appended)
    }

    async fn payment_request(&self, id: &str) -> AppResult<Option<StoredPayment>> {
        let row = sqlx::query("SELECT data, shop_id, visitor_id, version FROM payment_requests WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(StoredPayment {
                request: parse_json(r.try_get("data")?)?,
                shop_id: r.try_get("shop_id")?,
                visitor_id: r.try_get("visitor_id")?,
                version: r.try_get("version")?,
            })
        })
        .transpose()
    }

    async fn payment_requests(
        &self,
        shop_id: &str,
        visitor_id: Option<&str>,
        state: Option<&str>,
    ) -> AppResult<Vec<StoredPayment>> {
        let rows = sqlx::query(
            "SELECT data, shop_id, visitor_id, version FROM payment_requests
             WHERE shop_id = $1 AND ($2 IS NULL OR visitor_id = $3) AND ($4 IS NULL OR state = $5)
             ORDER BY updated_at DESC LIMIT 500",
        )
        .bind(shop_id)
        .bind(visitor_id)
        .bind(visitor_id)
        .bind(state)
        .bind(state)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(stored_payment).collect()
    }

    async fn expired_payment_requests(&self, now: i64) -> AppResult<Vec<StoredPayment>> {
        let rows = sqlx::query(
            "SELECT data, shop_id, visitor_id, version FROM payment_requests
             WHERE state IN ('requested', 'pending') AND expires_at <= $1 LIMIT 500",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(stored_payment).collect()
    }

    async fn scheduled_payouts(&self, shop_id: Option<&str>) -> AppResult<Vec<StoredPayment>> {
        let rows = sqlx::query(
            "SELECT data, shop_id, visitor_id, version FROM payment_requests
             WHERE state IN ('shipped', 'delivered') AND ($1 IS NULL OR shop_id = $2) ORDER BY updated_at DESC LIMIT 1000",
        )
        .bind(shop_id)
        .bind(shop_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(stored_payment).collect()
    }

    async fn update_payment_request(&self, request: &PaymentRequest, expected_version: i64) -> AppResult<bool> {
        let done = sqlx::query(
            "UPDATE payment_requests SET data = $1, state = $2, version = version + 1, updated_at = $3
             WHERE id = $4 AND version = $5",
        )
        .bind(to_json(request)?)
        .bind(request.state.label())
        .bind(request.updated_at)
        .bind(&request.id)
        .bind(expected_version)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn idempotency_begin(&self, scope: &str, key: &str, request_hash: &str, now: i64) -> AppResult<Idempotency> {
        let inserted = sqlx::query(
            "INSERT INTO idempotency_keys (scope, key, request_hash, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(scope)
        .bind(key)
        .bind(request_hash)
        .bind(now)
        .execute(&self.pool)
        .await?;
        if inserted.rows_affected() == 1 {
            return Ok(Idempotency::New);
        }
        let row =
            sqlx::query("SELECT request_hash, status, response FROM idempotency_keys WHERE scope = $1 AND key = $2")
                .bind(scope)
                .bind(key)
                .fetch_one(&self.pool)
                .await?;
        let stored_hash: String = row.try_get("request_hash")?;
        if stored_hash != request_hash {
            return Ok(Idempotency::Mismatch);
        }
        let status: Option<i64> = row.try_get("status")?;
        let response: Option<String> = row.try_get("response")?;
        Ok(match (status, response) {
            (Some(status), Some(response)) => Idempotency::Done { status: status as u16, response },
            _ => Idempotency::InProgress,
        })
    }

    async fn idempotency_finish(&self, scope: &str, key: &str, status: u16, response: &str) -> AppResult<()> {
        sqlx::query("UPDATE idempotency_keys SET status = $1, response = $2 WHERE scope = $3 AND key = $4")
            .bind(i64::from(status))
            .bind(response)
            .bind(scope)
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn idempotency_forget(&self, scope: &str, key: &str) -> AppResult<()> {
        sqlx::query("DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2")
            .bind(scope)
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}

/// Appends a message inside a transaction (the caller commits): a stored
/// message with the same sender and client id is returned instead, and the
/// caller drops the transaction, which undoes the numbering.
///
/// Numbering first takes the conversation's row lock, held until commit, so
/// writers in any process take turns: seqs stay unique and gap-free, and the
/// client-id check below sees every message committed before it.
async fn append_in(tx: &mut sqlx::Transaction<'_, sqlx::Postgres>, new: &NewMessage<'_>) -> AppResult<Appended> {
    let body = serde_json::to_string(new.body).map_err(|e| AppError::Internal(e.to_string()))?;
    // The sender has read everything up to their own message (SET sees the old last_seq).
    let read_column = match new.sender {
        Sender::Buyer => "buyer_read_seq",
        Sender::Merchant => "merchant_read_seq",
    };
    let seq: i64 = sqlx::query_scalar(&format!(
        "UPDATE conversations SET last_seq = last_seq + 1, last_activity = $1, {read_column} = last_seq + 1
         WHERE id = $2 RETURNING last_seq"
    ))
    .bind(new.created_at)
    .bind(new.conversation_id)
    .fetch_one(&mut **tx)
    .await?;
    let existing = sqlx::query("SELECT * FROM messages WHERE conversation_id = $1 AND sender = $2 AND client_id = $3")
        .bind(new.conversation_id)
        .bind(new.sender.as_str())
        .bind(new.client_id)
        .fetch_optional(&mut **tx)
        .await?;
    if let Some(row) = existing {
        return Ok(Appended::Existing(message_from_row(&row)?));
    }
    let message = Message {
        id: new_id(),
        conversation_id: new.conversation_id.to_owned(),
        seq,
        sender: new.sender,
        client_id: new.client_id.to_owned(),
        body: new.body.clone(),
        created_at: new.created_at,
    };
    sqlx::query(
        "INSERT INTO messages (id, conversation_id, seq, sender, client_id, body, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&message.id)
    .bind(&message.conversation_id)
    .bind(seq)
    .bind(message.sender.as_str())
    .bind(&message.client_id)
    .bind(&body)
    .bind(message.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(Appended::Created(message))
}

/// Serialises catalog edits of one shop across processes until the transaction ends.
async fn lock_catalog(tx: &mut PgConnection, shop_id: &str) -> AppResult<()> {
    sqlx::query("SELECT id FROM shops WHERE id = $1 FOR NO KEY UPDATE").bind(shop_id).fetch_optional(&mut *tx).await?;
    Ok(())
}

/// Serialises edits of one buyer's carts across processes until the
/// transaction ends; a cart's first write has no row of its own to lock yet.
async fn lock_carts_of(tx: &mut PgConnection, owner: &Visitor) -> AppResult<()> {
    sqlx::query("SELECT id FROM visitors WHERE id = $1 FOR NO KEY UPDATE")
        .bind(&owner.id)
        .fetch_optional(&mut *tx)
        .await?;
    Ok(())
}

fn parse_json<T: serde::de::DeserializeOwned>(raw: &str) -> AppResult<T> {
    serde_json::from_str(raw).map_err(|e| AppError::Internal(format!("stored JSON is unreadable: {e}")))
}

fn to_json<T: serde::Serialize>(value: &T) -> AppResult<String> {
    serde_json::to_string(value).map_err(|e| AppError::Internal(e.to_string()))
}

/// The named products of a shop, in the order asked, unknown ones absent.
async fn read_products(conn: &mut PgConnection, shop_id: &str, ids: &[String]) -> AppResult<Vec<Product>> {
    let mut products = Vec::with_capacity(ids.len());
    for id in ids {
        let row = sqlx::query("SELECT data FROM products WHERE shop_id = $1 AND retailer_id = $2")
            .bind(shop_id)
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
        if let Some(row) = row {
            products.push(parse_json(row.try_get("data")?)?);
        }
    }
    Ok(products)
}

async fn write_product(conn: &mut PgConnection, shop_id: &str, p: &Product) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO products (shop_id, retailer_id, data, version, archived, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (shop_id, retailer_id) DO UPDATE SET data = excluded.data, version = excluded.version,
         archived = excluded.archived, updated_at = excluded.updated_at",
    )
    .bind(shop_id)
    .bind(&p.retailer_id)
    .bind(to_json(p)?)
    .bind(p.version)
    .bind(p.archived)
    .bind(p.updated_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn read_cart(conn: &mut PgConnection, owner: &Visitor) -> AppResult<Option<Cart>> {
    let row = sqlx::query("SELECT data FROM carts WHERE shop_id = $1 AND visitor_id = $2 AND device_id = $3")
        .bind(&owner.shop_id)
        .bind(&owner.id)
        .bind(&owner.device_id)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|r| parse_json(r.try_get("data")?)).transpose()
}

/// Writes a cart and its product index inside a transaction.
async fn write_cart(tx: &mut PgConnection, cart: &Cart, owner: &Visitor) -> AppResult<()> {
    let (visitor_id, device_id) = (&owner.id, &owner.device_id);
    sqlx::query(
        "INSERT INTO carts (id, shop_id, visitor_id, device_id, data, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
    )
    .bind(&cart.id)
    .bind(&cart.shop_id)
    .bind(visitor_id)
    .bind(device_id)
    .bind(to_json(cart)?)
    .bind(cart.updated_at)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM cart_products WHERE cart_id = $1").bind(&cart.id).execute(&mut *tx).await?;
    for line in &cart.lines {
        sqlx::query(
            "INSERT INTO cart_products (cart_id, shop_id, retailer_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(&cart.id)
        .bind(&cart.shop_id)
        .bind(&line.retailer_id)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

fn stored_payment(r: &PgRow) -> AppResult<StoredPayment> {
    Ok(StoredPayment {
        request: parse_json(r.try_get("data")?)?,
        shop_id: r.try_get("shop_id")?,
        visitor_id: r.try_get("visitor_id")?,
        version: r.try_get("version")?,
    })
}
