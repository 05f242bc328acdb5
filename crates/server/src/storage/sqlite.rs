//! SQLite storage: one file, WAL mode, migrations applied at open.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
use sqlx::{Row, SqliteConnection, SqlitePool};
use talkshop_protocol::payment::PaymentRequest;
use talkshop_protocol::shop::AuditEntry;
use talkshop_protocol::{
    ApiError, Cart, ConversationSummary, ErrorCode, Message, MessageBody, Order, Product, Sender, ShopInfo,
};
use tokio::sync::Mutex;

use super::attachment_store::attachment_storage;
use super::buyer_details::buyer_details_storage;
use super::mail_store::mail_storage;
use super::presence_store::presence_storage;
use super::shop_admin::{shop_admin_rows, shop_admin_storage};
use super::webhook_store::{webhook_rows, webhook_storage};
use super::{
    ApiKeyRecord, Appended, CartEdit, Conversation, HistoryQuery, Idempotency, IdentifiedUser, Invite, NewMessage,
    NewPaymentRequest, PlacedOrder, ProductEdit, ShopRecord, Staff, Storage, StoredOrder, StoredPayment, Visitor,
};
use crate::error::{AppError, AppResult};

pub struct SqliteStorage {
    pool: SqlitePool,
    /// SQLite has one writer at a time; taking turns here avoids busy-snapshot
    /// failures when a transaction that read must then write.
    write: Mutex<()>,
}

impl SqliteStorage {
    pub async fn open(url: &str) -> AppResult<SqliteStorage> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(SqliteStorage { pool, write: Mutex::new(()) })
    }

    /// Waits for this process's turn to write.
    async fn turn(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.write.lock().await
    }
}

shop_admin_rows!(SqliteRow);
shop_admin_storage!(SqliteStorage);
webhook_rows!(SqliteRow);
webhook_storage!(SqliteStorage);
buyer_details_storage!(SqliteStorage);
attachment_storage!(SqliteStorage);
mail_storage!(SqliteStorage, SqliteRow);
presence_storage!(SqliteStorage);

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

fn message_from_row(row: &SqliteRow) -> AppResult<Message> {
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

fn summary_from_row(row: &SqliteRow, viewer: Sender) -> AppResult<ConversationSummary> {
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

/// How the console names an anonymous buyer.
pub fn buyer_label(visitor_id: &str) -> String {
    let short: String = visitor_id.chars().filter(|c| c.is_ascii_alphanumeric()).take(6).collect();
    format!("Visitor {short}")
}

fn conversation_from_row(row: &SqliteRow) -> AppResult<Conversation> {
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
impl Storage for SqliteStorage {
    async fn setting(&self, key: &str) -> AppResult<Option<String>> {
        Ok(sqlx::query_scalar("SELECT value FROM settings WHERE key = ?").bind(key).fetch_optional(&self.pool).await?)
    }

    async fn init_setting(&self, key: &str, value: &str) -> AppResult<String> {
        let _turn = self.write.lock().await;
        sqlx::query("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await?;
        Ok(sqlx::query_scalar("SELECT value FROM settings WHERE key = ?").bind(key).fetch_one(&self.pool).await?)
    }

    async fn upsert_shop(&self, shop: &ShopInfo) -> AppResult<()> {
        let _turn = self.write.lock().await;
        sqlx::query("INSERT INTO shops (id, name) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name")
            .bind(&shop.id)
            .bind(&shop.name)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn shop(&self, id: &str) -> AppResult<Option<ShopInfo>> {
        let row = sqlx::query("SELECT id, name FROM shops WHERE id = ?").bind(id).fetch_optional(&self.pool).await?;
        row.map(|r| Ok(ShopInfo { id: r.try_get("id")?, name: r.try_get("name")? })).transpose()
    }

    async fn create_visitor(&self, shop_id: &str, device_id: &str, now: i64) -> AppResult<Visitor> {
        let _turn = self.write.lock().await;
        let visitor = Visitor { id: new_id(), shop_id: shop_id.to_owned(), device_id: device_id.to_owned() };
        sqlx::query("INSERT INTO visitors (id, shop_id, device_id, created_at) VALUES (?, ?, ?, ?)")
            .bind(&visitor.id)
            .bind(shop_id)
            .bind(device_id)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(visitor)
    }

    async fn visitor(&self, id: &str) -> AppResult<Option<Visitor>> {
        let row = sqlx::query("SELECT id, shop_id, device_id FROM visitors WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(Visitor { id: r.try_get("id")?, shop_id: r.try_get("shop_id")?, device_id: r.try_get("device_id")? })
        })
        .transpose()
    }

    async fn identify_visitor(&self, visitor: &Visitor, user: &IdentifiedUser<'_>, now: i64) -> AppResult<String> {
        let _turn = self.write.lock().await;
        let mut tx = self.pool.begin().await?;
        let current: Option<String> = sqlx::query_scalar("SELECT user_id FROM visitors WHERE id = ?")
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
             VALUES (?, ?, ?, ?, ?, ?, ?)
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
        let owner: String = sqlx::query_scalar("SELECT owner_visitor_id FROM users WHERE shop_id = ? AND user_id = ?")
            .bind(&visitor.shop_id)
            .bind(user.user_id)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query("UPDATE visitors SET user_id = ? WHERE id = ?")
            .bind(user.user_id)
            .bind(&visitor.id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(owner)
    }

    async fn open_conversation(&self, shop_id: &str, visitor_id: &str, now: i64) -> AppResult<Conversation> {
        let _turn = self.write.lock().await;
        sqlx::query(
            "INSERT INTO conversations (id, shop_id, visitor_id, created_at, last_activity) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (shop_id, visitor_id) DO NOTHING",
        )
        .bind(new_id())
        .bind(shop_id)
        .bind(visitor_id)
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await?;
        let row = sqlx::query("SELECT * FROM conversations WHERE shop_id = ? AND visitor_id = ?")
            .bind(shop_id)
            .bind(visitor_id)
            .fetch_one(&self.pool)
            .await?;
        conversation_from_row(&row)
    }

    async fn conversation(&self, id: &str) -> AppResult<Option<Conversation>> {
        let row = sqlx::query("SELECT * FROM conversations WHERE id = ?").bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(conversation_from_row).transpose()
    }

    async fn summary(&self, id: &str, viewer: Sender) -> AppResult<Option<ConversationSummary>> {
        let row = sqlx::query(&format!("{SUMMARY_SELECT} WHERE c.id = ?")).bind(id).fetch_optional(&self.pool).await?;
        row.map(|r| summary_from_row(&r, viewer)).transpose()
    }

    async fn visitor_conversations(&self, visitor_id: &str) -> AppResult<Vec<ConversationSummary>> {
        let rows = sqlx::query(&format!("{SUMMARY_SELECT} WHERE c.visitor_id = ? ORDER BY c.last_activity DESC"))
            .bind(visitor_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| summary_from_row(r, Sender::Buyer)).collect()
    }

    async fn shop_inbox(&self, shop_id: &str, limit: u32) -> AppResult<Vec<ConversationSummary>> {
        let rows = sqlx::query(&format!(
            "{SUMMARY_SELECT} WHERE c.shop_id = ? AND c.last_seq > 0 ORDER BY c.last_activity DESC, c.id LIMIT ?"
        ))
        .bind(shop_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| summary_from_row(r, Sender::Merchant)).collect()
    }

    async fn append_message(&self, new: NewMessage<'_>) -> AppResult<Appended> {
        let _turn = self.write.lock().await;
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
            "SELECT * FROM messages WHERE conversation_id = ? AND seq > ? AND seq < ? ORDER BY seq {order} LIMIT ?"
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
        let _turn = self.write.lock().await;
        let stored: i64 = sqlx::query_scalar(&format!(
            "UPDATE conversations SET {column} = MAX({column}, MIN(?1, last_seq)),
                    {delivered} = MAX({delivered}, {column}, MIN(?1, last_seq))
              WHERE id = ?2 RETURNING {column}"
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
        let _turn = self.write.lock().await;
        let stored: i64 = sqlx::query_scalar(&format!(
            "UPDATE conversations SET {column} = MAX({column}, MIN(?, last_seq)) WHERE id = ? RETURNING {column}"
        ))
        .bind(seq)
        .bind(conversation_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(stored)
    }

    async fn products(&self, shop_id: &str, include_archived: bool) -> AppResult<Vec<Product>> {
        let rows =
            sqlx::query("SELECT data FROM products WHERE shop_id = ? AND (archived = 0 OR ?) ORDER BY retailer_id")
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
        let _turn = self.write.lock().await;
        let mut tx = self.pool.begin().await?;
        for p in products {
            write_product(&mut tx, shop_id, p).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn edit_products(&self, shop_id: &str, ids: &[String], edit: ProductEdit<'_>) -> AppResult<Vec<Product>> {
        let _turn = self.write.lock().await;
        let mut tx = self.pool.begin().await?;
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
        let _turn = self.write.lock().await;
        let mut tx = self.pool.begin().await?;
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
             WHERE cp.shop_id = ? AND cp.retailer_id = ?",
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
        let _turn = self.write.lock().await;
        let mut tx = self.pool.begin().await?;
        let appended = append_in(&mut tx, &placed.message).await?;
        if let Appended::Existing(_) = appended {
            return Ok(appended);
        }
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
            "INSERT INTO orders (id, shop_id, conversation_id, visitor_id, data, created_at) VALUES (?, ?, ?, ?, ?, ?)",
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
            "SELECT data FROM orders WHERE shop_id = ? AND (? IS NULL OR visitor_id = ?) ORDER BY created_at DESC LIMIT 500",
        )
        .bind(shop_id)
        .bind(visitor_id)
        .bind(visitor_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| parse_json(r.try_get("data")?)).collect()
    }

    async fn order(&self, id: &str) -> AppResult<Option<StoredOrder>> {
        let row = sqlx::query("SELECT data, shop_id, visitor_id FROM orders WHERE id = ?")
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
        let _turn = self.write.lock().await;
        sqlx::query("UPDATE orders SET data = ? WHERE id = ?")
            .bind(to_json(order)?)
            .bind(&order.id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn last_buyer_message_at(&self, conversation_id: &str) -> AppResult<Option<i64>> {
        Ok(sqlx::query_scalar("SELECT MAX(created_at) FROM messages WHERE conversation_id = ? AND sender = 'buyer'")
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
        let row = sqlx::query("SELECT * FROM messages WHERE conversation_id = ? AND sender = ? AND client_id = ?")
            .bind(conversation_id)
            .bind(sender.as_str())
            .bind(client_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(message_from_row).transpose()
    }

    async fn create_payment_request(&self, created: NewPaymentRequest<'_>) -> AppResult<Appended> {
        let _turn = self.write.lock().await;
        let mut tx = self.pool.begin().await?;
        let appended = append_in(&mut tx, &created.message).await?;
        if let Appended::Existing(_) = appended {
            return Ok(appended);
        }
        let r = created.request;
        sqlx::query(
            "INSERT INTO payment_requests (id, shop_id, conversation_id, visitor_id, order_id, state, data, version, expires_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
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
        let row = sqlx::query("SELECT data, shop_id, visitor_id, version FROM payment_requests WHERE id = ?")
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
             WHERE shop_id = ? AND (? IS NULL OR visitor_id = ?) AND (? IS NULL OR state = ?)
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
             WHERE state IN ('requested', 'pending') AND expires_at <= ? LIMIT 500",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(stored_payment).collect()
    }

    async fn scheduled_payouts(&self, shop_id: Option<&str>) -> AppResult<Vec<StoredPayment>> {
        let rows = sqlx::query(
            "SELECT data, shop_id, visitor_id, version FROM payment_requests
             WHERE state IN ('shipped', 'delivered') AND (? IS NULL OR shop_id = ?) ORDER BY updated_at DESC LIMIT 1000",
        )
        .bind(shop_id)
        .bind(shop_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(stored_payment).collect()
    }

    async fn update_payment_request(&self, request: &PaymentRequest, expected_version: i64) -> AppResult<bool> {
        let _turn = self.write.lock().await;
        let done = sqlx::query(
            "UPDATE payment_requests SET data = ?, state = ?, version = version + 1, updated_at = ?
             WHERE id = ? AND version = ?",
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
        let _turn = self.write.lock().await;
        let inserted = sqlx::query(
            "INSERT INTO idempotency_keys (scope, key, request_hash, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
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
            sqlx::query("SELECT request_hash, status, response FROM idempotency_keys WHERE scope = ? AND key = ?")
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
        let _turn = self.write.lock().await;
        sqlx::query("UPDATE idempotency_keys SET status = ?, response = ? WHERE scope = ? AND key = ?")
            .bind(i64::from(status))
            .bind(response)
            .bind(scope)
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn idempotency_forget(&self, scope: &str, key: &str) -> AppResult<()> {
        let _turn = self.write.lock().await;
        sqlx::query("DELETE FROM idempotency_keys WHERE scope = ? AND key = ?")
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
/// message with the same sender and client id is returned instead.
async fn append_in(tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>, new: &NewMessage<'_>) -> AppResult<Appended> {
    let body = serde_json::to_string(new.body).map_err(|e| AppError::Internal(e.to_string()))?;
    let existing = sqlx::query("SELECT * FROM messages WHERE conversation_id = ? AND sender = ? AND client_id = ?")
        .bind(new.conversation_id)
        .bind(new.sender.as_str())
        .bind(new.client_id)
        .fetch_optional(&mut **tx)
        .await?;
    if let Some(row) = existing {
        return Ok(Appended::Existing(message_from_row(&row)?));
    }
    let seq: i64 = sqlx::query_scalar(
        "UPDATE conversations SET last_seq = last_seq + 1, last_activity = ? WHERE id = ? RETURNING last_seq",
    )
    .bind(new.created_at)
    .bind(new.conversation_id)
    .fetch_one(&mut **tx)
    .await?;
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
         VALUES (?, ?, ?, ?, ?, ?, ?)",
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
    // The sender has read everything up to their own message.
    let read_column = match new.sender {
        Sender::Buyer => "buyer_read_seq",
        Sender::Merchant => "merchant_read_seq",
    };
    sqlx::query(&format!("UPDATE conversations SET {read_column} = ? WHERE id = ?"))
        .bind(seq)
        .bind(new.conversation_id)
        .execute(&mut **tx)
        .await?;
    Ok(Appended::Created(message))
}

fn parse_json<T: serde::de::DeserializeOwned>(raw: &str) -> AppResult<T> {
    serde_json::from_str(raw).map_err(|e| AppError::Internal(format!("stored JSON is unreadable: {e}")))
}

fn to_json<T: serde::Serialize>(value: &T) -> AppResult<String> {
    serde_json::to_string(value).map_err(|e| AppError::Internal(e.to_string()))
}

/// The named products of a shop, in the order asked, unknown ones absent.
async fn read_products(conn: &mut SqliteConnection, shop_id: &str, ids: &[String]) -> AppResult<Vec<Product>> {
    let mut products = Vec::with_capacity(ids.len());
    for id in ids {
        let row = sqlx::query("SELECT data FROM products WHERE shop_id = ? AND retailer_id = ?")
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

async fn write_product(conn: &mut SqliteConnection, shop_id: &str, p: &Product) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO products (shop_id, retailer_id, data, version, archived, updated_at) VALUES (?, ?, ?, ?, ?, ?)
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

async fn read_cart(conn: &mut SqliteConnection, owner: &Visitor) -> AppResult<Option<Cart>> {
    let row = sqlx::query("SELECT data FROM carts WHERE shop_id = ? AND visitor_id = ? AND device_id = ?")
        .bind(&owner.shop_id)
        .bind(&owner.id)
        .bind(&owner.device_id)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|r| parse_json(r.try_get("data")?)).transpose()
}

/// Writes a cart and its product index inside a transaction.
async fn write_cart(tx: &mut SqliteConnection, cart: &Cart, owner: &Visitor) -> AppResult<()> {
    let (visitor_id, device_id) = (&owner.id, &owner.device_id);
    sqlx::query(
        "INSERT INTO carts (id, shop_id, visitor_id, device_id, data, updated_at) VALUES (?, ?, ?, ?, ?, ?)
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
    sqlx::query("DELETE FROM cart_products WHERE cart_id = ?").bind(&cart.id).execute(&mut *tx).await?;
    for line in &cart.lines {
        sqlx::query(
            "INSERT INTO cart_products (cart_id, shop_id, retailer_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(&cart.id)
        .bind(&cart.shop_id)
        .bind(&line.retailer_id)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

fn stored_payment(r: &SqliteRow) -> AppResult<StoredPayment> {
    Ok(StoredPayment {
        request: parse_json(r.try_get("data")?)?,
        shop_id: r.try_get("shop_id")?,
        visitor_id: r.try_get("visitor_id")?,
        version: r.try_get("version")?,
    })
}
