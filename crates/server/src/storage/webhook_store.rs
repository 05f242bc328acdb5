//! Webhook endpoints and the delivery queue, written once for both databases
//! like `shop_admin.rs`: the same SQL text (`$n` parameters, numbered in order
//! of first use so SQLite binds them right) expanded in each storage's impl.

use talkshop_protocol::webhook::DeliveryStatus;

/// A registered endpoint with its signing secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpointRecord {
    pub id: String,
    pub shop_id: String,
    pub url: String,
    pub events: Vec<String>,
    pub secret: String,
    pub created_at: i64,
}

/// A delivery a node claimed (its lease runs): what to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedDelivery {
    pub id: String,
    pub shop_id: String,
    pub endpoint_id: String,
    pub event_id: String,
    pub event: String,
    pub payload: String,
    /// Including this one.
    pub attempts: i64,
    pub give_up_at: i64,
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    Delivered { status_code: i64 },
    Retry { next_attempt_at: i64, status_code: Option<i64>, error: String },
    Failed { status_code: Option<i64>, error: String },
}

pub(super) const DELIVERY_COLUMNS: &str = "id, shop_id, endpoint_id, event_id, event, payload, status, attempts, \
     last_status_code, last_error, next_attempt_at, give_up_at, created_at, delivered_at";

pub(super) fn events_json(events: &[String]) -> String {
    serde_json::to_string(events).unwrap_or_else(|_| "[]".into())
}

pub(super) fn events_from(raw: &str) -> Vec<String> {
    serde_json::from_str(raw).unwrap_or_default()
}

pub(super) fn status(raw: &str) -> crate::error::AppResult<DeliveryStatus> {
    DeliveryStatus::parse(raw)
        .ok_or_else(|| crate::error::AppError::Internal(format!("stored delivery status {raw:?} is unknown")))
}

/// Row readers (generic over the row type).
macro_rules! webhook_rows {
    ($row:ty) => {
        fn webhook_endpoint_from_row(r: &$row) -> AppResult<super::webhook_store::WebhookEndpointRecord> {
            Ok(super::webhook_store::WebhookEndpointRecord {
                id: r.try_get("id")?,
                shop_id: r.try_get("shop_id")?,
                url: r.try_get("url")?,
                events: super::webhook_store::events_from(r.try_get("events")?),
                secret: r.try_get("secret")?,
                created_at: r.try_get("created_at")?,
            })
        }

        fn webhook_delivery_from_row(r: &$row) -> AppResult<talkshop_protocol::webhook::WebhookDelivery> {
            let status = super::webhook_store::status(r.try_get("status")?)?;
            let next: i64 = r.try_get("next_attempt_at")?;
            Ok(talkshop_protocol::webhook::WebhookDelivery {
                id: r.try_get("id")?,
                event_id: r.try_get("event_id")?,
                event: r.try_get("event")?,
                endpoint_id: r.try_get("endpoint_id")?,
                status,
                attempts: r.try_get("attempts")?,
                last_status_code: r.try_get("last_status_code")?,
                last_error: r.try_get("last_error")?,
                next_attempt_at: (status == talkshop_protocol::webhook::DeliveryStatus::Pending).then_some(next),
                created_at: r.try_get("created_at")?,
                delivered_at: r.try_get("delivered_at")?,
            })
        }

        fn claimed_from_row(r: &$row) -> AppResult<super::webhook_store::ClaimedDelivery> {
            Ok(super::webhook_store::ClaimedDelivery {
                id: r.try_get("id")?,
                shop_id: r.try_get("shop_id")?,
                endpoint_id: r.try_get("endpoint_id")?,
                event_id: r.try_get("event_id")?,
                event: r.try_get("event")?,
                payload: r.try_get("payload")?,
                attempts: r.try_get("attempts")?,
                give_up_at: r.try_get("give_up_at")?,
            })
        }
    };
}

/// Leases one due row of a queue table (`webhook_deliveries`, `mail_outbox`)
/// until `$lease_until` and counts the attempt; answers the leased row's
/// `$columns`, if any. A read first: an idle queue costs no write (SQLite takes
/// its one write lock for any UPDATE). Then a compare and set whose condition is
/// checked again on the row itself, so of two nodes that picked the same row
/// only one sets the lease.
macro_rules! lease_due_row {
    ($storage:expr, $table:literal, $columns:expr, $now:expr, $lease_until:expr) => {{
        let due = sqlx::query(concat!(
            "SELECT id FROM ",
            $table,
            " WHERE status = 'pending' AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until < $1) LIMIT 1"
        ))
        .bind($now)
        .fetch_optional(&$storage.pool)
        .await?;
        match due {
            None => None,
            Some(_) => {
                let _turn = $storage.turn().await;
                let sql = format!(
                    concat!(
                        "UPDATE ",
                        $table,
                        " SET lease_until = $1, attempts = attempts + 1 WHERE id = (SELECT id FROM ",
                        $table,
                        " WHERE status = 'pending' AND next_attempt_at <= $2 AND (lease_until IS NULL OR lease_until < $2)",
                        " ORDER BY next_attempt_at, id LIMIT 1)",
                        " AND status = 'pending' AND (lease_until IS NULL OR lease_until < $2) RETURNING {}"
                    ),
                    $columns
                );
                sqlx::query(&sql).bind($lease_until).bind($now).fetch_optional(&$storage.pool).await?
            }
        }
    }};
}

macro_rules! webhook_storage {
    ($storage:ty) => {
    #[async_trait]
    impl super::WebhookStore for $storage {
        async fn create_webhook_endpoint(&self, endpoint: &super::webhook_store::WebhookEndpointRecord) -> AppResult<()> {
            let _turn = self.turn().await;
            sqlx::query(
                "INSERT INTO webhook_endpoints (id, shop_id, url, events, secret, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&endpoint.id)
            .bind(&endpoint.shop_id)
            .bind(&endpoint.url)
            .bind(super::webhook_store::events_json(&endpoint.events))
            .bind(&endpoint.secret)
            .bind(endpoint.created_at)
            .execute(&self.pool)
            .await?;
            Ok(())
        }

        async fn webhook_endpoints(&self, shop_id: &str) -> AppResult<Vec<super::webhook_store::WebhookEndpointRecord>> {
            let rows = sqlx::query(
                "SELECT id, shop_id, url, events, secret, created_at FROM webhook_endpoints WHERE shop_id = $1
                 ORDER BY created_at, id",
            )
            .bind(shop_id)
            .fetch_all(&self.pool)
            .await?;
            rows.iter().map(webhook_endpoint_from_row).collect()
        }

        async fn webhook_endpoint(&self, id: &str) -> AppResult<Option<super::webhook_store::WebhookEndpointRecord>> {
            let row = sqlx::query("SELECT id, shop_id, url, events, secret, created_at FROM webhook_endpoints WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
            row.map(|r| webhook_endpoint_from_row(&r)).transpose()
        }

        async fn delete_webhook_endpoint(&self, shop_id: &str, id: &str) -> AppResult<bool> {
            let _turn = self.turn().await;
            let mut tx = self.pool.begin().await?;
            let done = sqlx::query("DELETE FROM webhook_endpoints WHERE shop_id = $1 AND id = $2")
                .bind(shop_id)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() != 1 {
                return Ok(false);
            }
            // What was still waiting will never be sent; the history stays.
            sqlx::query(
                "UPDATE webhook_deliveries SET status = 'failed', last_error = 'endpoint removed'
                 WHERE endpoint_id = $1 AND status = 'pending'",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(true)
        }

        async fn enqueue_webhook_event(
            &self,
            shop_id: &str,
            event_id: &str,
            event: &str,
            payload: &str,
            now: i64,
            give_up_at: i64,
        ) -> AppResult<usize> {
            let endpoints = self.webhook_endpoints(shop_id).await?;
            let wanted: Vec<_> = endpoints.iter().filter(|e| e.events.iter().any(|x| x == event)).collect();
            if wanted.is_empty() {
                return Ok(0);
            }
            let _turn = self.turn().await;
            let mut tx = self.pool.begin().await?;
            for endpoint in &wanted {
                sqlx::query(
                    "INSERT INTO webhook_deliveries
                        (id, shop_id, endpoint_id, event_id, event, payload, status, attempts, next_attempt_at, give_up_at, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $8, $7)",
                )
                .bind(uuid::Uuid::new_v4().to_string())
                .bind(shop_id)
                .bind(&endpoint.id)
                .bind(event_id)
                .bind(event)
                .bind(payload)
                .bind(now)
                .bind(give_up_at)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(wanted.len())
        }

        async fn claim_webhook_delivery(
            &self,
            now: i64,
            lease_until: i64,
        ) -> AppResult<Option<super::webhook_store::ClaimedDelivery>> {
            let row = super::webhook_store::lease_due_row!(
                self,
                "webhook_deliveries",
                super::webhook_store::DELIVERY_COLUMNS,
                now,
                lease_until
            );
            row.map(|r| claimed_from_row(&r)).transpose()
        }

        async fn finish_webhook_delivery(
            &self,
            id: &str,
            outcome: &super::webhook_store::DeliveryOutcome,
            now: i64,
        ) -> AppResult<()> {
            use super::webhook_store::DeliveryOutcome;
            let (status, code, error, next, delivered) = match outcome {
                DeliveryOutcome::Delivered { status_code } => ("delivered", Some(*status_code), None, None, Some(now)),
                DeliveryOutcome::Retry { next_attempt_at, status_code, error } => {
                    ("pending", *status_code, Some(error.clone()), Some(*next_attempt_at), None)
                }
                DeliveryOutcome::Failed { status_code, error } => ("failed", *status_code, Some(error.clone()), None, None),
            };
            let _turn = self.turn().await;
            sqlx::query(
                "UPDATE webhook_deliveries SET status = $1, last_status_code = $2, last_error = $3,
                        next_attempt_at = COALESCE($4, next_attempt_at), delivered_at = $5, lease_until = NULL
                 WHERE id = $6",
            )
            .bind(status)
            .bind(code)
            .bind(error)
            .bind(next)
            .bind(delivered)
            .bind(id)
            .execute(&self.pool)
            .await?;
            Ok(())
        }

        async fn webhook_deliveries(
            &self,
            shop_id: &str,
            endpoint_id: Option<&str>,
            limit: i64,
        ) -> AppResult<Vec<talkshop_protocol::webhook::WebhookDelivery>> {
            let sql = format!(
                "SELECT {} FROM webhook_deliveries WHERE shop_id = $1 AND ($2 = '' OR endpoint_id = $2)
                 ORDER BY created_at DESC, id DESC LIMIT $3",
                super::webhook_store::DELIVERY_COLUMNS
            );
            let rows = sqlx::query(&sql)
                .bind(shop_id)
                .bind(endpoint_id.unwrap_or_default())
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
            rows.iter().map(webhook_delivery_from_row).collect()
        }

        async fn resend_webhook_delivery(
            &self,
            shop_id: &str,
            id: &str,
            now: i64,
            give_up_at: i64,
        ) -> AppResult<Option<talkshop_protocol::webhook::WebhookDelivery>> {
            let _turn = self.turn().await;
            // The lease stays: a send in flight on some node is not doubled.
            let sql = format!(
                "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = $1, give_up_at = $2
                 WHERE shop_id = $3 AND id = $4 AND EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.id = endpoint_id)
                 RETURNING {}",
                super::webhook_store::DELIVERY_COLUMNS
            );
            let row = sqlx::query(&sql).bind(now).bind(give_up_at).bind(shop_id).bind(id).fetch_optional(&self.pool).await?;
            row.map(|r| webhook_delivery_from_row(&r)).transpose()
        }
    }
    };
}

pub(super) use lease_due_row;
pub(super) use webhook_rows;
pub(super) use webhook_storage;
