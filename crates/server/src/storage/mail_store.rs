//! The mail queue, unsubscribed addresses, unread bursts and resume links,
//! written once for both databases like `webhook_store.rs`: the same SQL text
//! (`$n` parameters numbered in order of first use) expanded in each impl.

/// A mail to queue. `dedupe_key` is unique: queueing the same mail twice (two
/// nodes scanning at once, a scan repeated) stores it once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailRecord {
    pub id: String,
    pub shop_id: String,
    pub dedupe_key: String,
    /// `staff_unread`, `buyer_unread`.
    pub kind: String,
    pub to_addr: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub unsubscribe_url: String,
    pub created_at: i64,
    pub give_up_at: i64,
}

/// A mail a node claimed (its lease runs until `lease_until`), with the attempts
/// so far (this one included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedMail {
    pub mail: MailRecord,
    pub attempts: i64,
    pub lease_until: i64,
}

/// How a send ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailOutcome {
    Sent,
    Retry { next_attempt_at: i64, error: String },
    Failed { error: String },
}

/// Messages of one side the other side has not read: since `read_seq`, the
/// first of them written at `first_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadBurst {
    pub conversation_id: String,
    pub shop_id: String,
    /// The conversation's buyer (the principal: an identified user's devices share it).
    pub principal: String,
    pub read_seq: i64,
    pub first_at: i64,
}

/// Who has not read: staff (buyer messages after `merchant_read_seq`) or the buyer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    Staff,
    Buyer,
}

pub(super) const MAIL_COLUMNS: &str = "id, shop_id, dedupe_key, kind, to_addr, subject, text_body, html_body, \
     unsubscribe_url, created_at, give_up_at, attempts, lease_until";

macro_rules! mail_storage {
    ($storage:ty, $row:ty) => {
        fn mail_from_row(r: &$row) -> AppResult<super::mail_store::ClaimedMail> {
            Ok(super::mail_store::ClaimedMail {
                mail: super::mail_store::MailRecord {
                    id: r.try_get("id")?,
                    shop_id: r.try_get("shop_id")?,
                    dedupe_key: r.try_get("dedupe_key")?,
                    kind: r.try_get("kind")?,
                    to_addr: r.try_get("to_addr")?,
                    subject: r.try_get("subject")?,
                    text_body: r.try_get("text_body")?,
                    html_body: r.try_get("html_body")?,
                    unsubscribe_url: r.try_get("unsubscribe_url")?,
                    created_at: r.try_get("created_at")?,
                    give_up_at: r.try_get("give_up_at")?,
                },
                attempts: r.try_get("attempts")?,
                lease_until: r.try_get::<Option<i64>, _>("lease_until")?.unwrap_or_default(),
            })
        }

        #[async_trait]
        impl super::MailStore for $storage {
            async fn mail_queued(&self, dedupe_key: &str) -> AppResult<bool> {
                let row = sqlx::query("SELECT 1 AS one FROM mail_outbox WHERE dedupe_key = $1")
                    .bind(dedupe_key)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.is_some())
            }

            async fn enqueue_mail(&self, mail: &super::mail_store::MailRecord) -> AppResult<bool> {
                let _turn = self.turn().await;
                let done = sqlx::query(
                    "INSERT INTO mail_outbox (id, shop_id, dedupe_key, kind, to_addr, subject, text_body, html_body,
                                              unsubscribe_url, next_attempt_at, give_up_at, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $10)
                     ON CONFLICT (dedupe_key) DO NOTHING",
                )
                .bind(&mail.id)
                .bind(&mail.shop_id)
                .bind(&mail.dedupe_key)
                .bind(&mail.kind)
                .bind(&mail.to_addr)
                .bind(&mail.subject)
                .bind(&mail.text_body)
                .bind(&mail.html_body)
                .bind(&mail.unsubscribe_url)
                .bind(mail.created_at)
                .bind(mail.give_up_at)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn claim_mail(&self, now: i64, lease_until: i64) -> AppResult<Option<super::mail_store::ClaimedMail>> {
                let row = super::webhook_store::lease_due_row!(
                    self,
                    "mail_outbox",
                    super::mail_store::MAIL_COLUMNS,
                    now,
                    lease_until
                );
                row.map(|r| mail_from_row(&r)).transpose()
            }

            async fn finish_mail(
                &self,
                id: &str,
                lease_until: i64,
                outcome: &super::mail_store::MailOutcome,
                now: i64,
            ) -> AppResult<()> {
                use super::mail_store::MailOutcome;
                let (status, error, next, sent) = match outcome {
                    MailOutcome::Sent => ("sent", None, None, Some(now)),
                    MailOutcome::Retry { next_attempt_at, error } => ("pending", Some(error.clone()), Some(*next_attempt_at), None),
                    MailOutcome::Failed { error } => ("failed", Some(error.clone()), None, None),
                };
                let _turn = self.turn().await;
                // Only while this node's lease holds; a sent mail keeps no body (its
                // resume link's code must not outlive the send in the database).
                sqlx::query(
                    "UPDATE mail_outbox SET status = $1, last_error = $2, next_attempt_at = COALESCE($3, next_attempt_at),
                            sent_at = $4, lease_until = NULL,
                            text_body = CASE WHEN $1 = 'pending' THEN text_body ELSE '' END,
                            html_body = CASE WHEN $1 = 'pending' THEN html_body ELSE '' END
                     WHERE id = $5 AND lease_until = $6",
                )
                .bind(status)
                .bind(error)
                .bind(next)
                .bind(sent)
                .bind(id)
                .bind(lease_until)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn opted_out(&self, shop_id: &str, address: &str) -> AppResult<bool> {
                let row = sqlx::query("SELECT 1 AS one FROM mail_optouts WHERE shop_id = $1 AND address = $2")
                    .bind(shop_id)
                    .bind(address.to_ascii_lowercase())
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.is_some())
            }

            async fn set_opted_out(&self, shop_id: &str, address: &str, out: bool, now: i64) -> AppResult<()> {
                let _turn = self.turn().await;
                let address = address.to_ascii_lowercase();
                if out {
                    sqlx::query(
                        "INSERT INTO mail_optouts (shop_id, address, created_at) VALUES ($1, $2, $3)
                         ON CONFLICT (shop_id, address) DO NOTHING",
                    )
                    .bind(shop_id)
                    .bind(address)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                } else {
                    sqlx::query("DELETE FROM mail_optouts WHERE shop_id = $1 AND address = $2")
                        .bind(shop_id)
                        .bind(address)
                        .execute(&self.pool)
                        .await?;
                }
                Ok(())
            }

            async fn unread_bursts(
                &self,
                reader: super::mail_store::Reader,
                since: i64,
                until: i64,
            ) -> AppResult<Vec<super::mail_store::UnreadBurst>> {
                let (writer, read) = match reader {
                    super::mail_store::Reader::Staff => ("buyer", "merchant_read_seq"),
                    super::mail_store::Reader::Buyer => ("merchant", "buyer_read_seq"),
                };
                let mailed = match reader {
                    super::mail_store::Reader::Staff => "staff_mailed_seq",
                    super::mail_store::Reader::Buyer => "buyer_mailed_seq",
                };
                // Driven by recent conversations whose read position moved since their
                // burst was last handled; messages by their (conversation, seq) key.
                let sql = format!(
                    "SELECT c.id, c.shop_id, c.visitor_id, c.{read} AS read_seq, MIN(m.created_at) AS first_at
                       FROM conversations c JOIN messages m ON m.conversation_id = c.id AND m.seq > c.{read}
                      WHERE c.last_activity >= $1 AND c.{read} <> c.{mailed} AND m.sender = '{writer}'
                      GROUP BY c.id, c.shop_id, c.visitor_id, c.{read}
                     HAVING MIN(m.created_at) <= $2
                      ORDER BY first_at
                      LIMIT 500"
                );
                let rows = sqlx::query(&sql).bind(since).bind(until).fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|r| {
                        Ok(super::mail_store::UnreadBurst {
                            conversation_id: r.try_get("id")?,
                            shop_id: r.try_get("shop_id")?,
                            principal: r.try_get("visitor_id")?,
                            read_seq: r.try_get("read_seq")?,
                            first_at: r.try_get("first_at")?,
                        })
                    })
                    .collect()
            }

            async fn burst_handled(
                &self,
                reader: super::mail_store::Reader,
                conversation_id: &str,
                read_seq: i64,
            ) -> AppResult<()> {
                let column = match reader {
                    super::mail_store::Reader::Staff => "staff_mailed_seq",
                    super::mail_store::Reader::Buyer => "buyer_mailed_seq",
                };
                let _turn = self.turn().await;
                sqlx::query(&format!("UPDATE conversations SET {column} = $1 WHERE id = $2"))
                    .bind(read_seq)
                    .bind(conversation_id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn mail_confirmed(&self, shop_id: &str, address: &str) -> AppResult<bool> {
                let row = sqlx::query("SELECT 1 AS one FROM mail_confirmed WHERE shop_id = $1 AND address = $2")
                    .bind(shop_id)
                    .bind(address.to_ascii_lowercase())
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.is_some())
            }

            async fn confirm_mail_address(&self, shop_id: &str, address: &str, now: i64) -> AppResult<()> {
                let _turn = self.turn().await;
                sqlx::query(
                    "INSERT INTO mail_confirmed (shop_id, address, created_at) VALUES ($1, $2, $3)
                     ON CONFLICT (shop_id, address) DO NOTHING",
                )
                .bind(shop_id)
                .bind(address.to_ascii_lowercase())
                .bind(now)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn create_resume_link(
                &self,
                token_hash: &str,
                shop_id: &str,
                conversation_id: &str,
                principal: &str,
                now: i64,
                expires_at: i64,
            ) -> AppResult<()> {
                let _turn = self.turn().await;
                sqlx::query(
                    "INSERT INTO resume_links (token_hash, shop_id, conversation_id, principal, created_at, expires_at)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(token_hash)
                .bind(shop_id)
                .bind(conversation_id)
                .bind(principal)
                .bind(now)
                .bind(expires_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn use_resume_link(&self, token_hash: &str, shop_id: &str, now: i64) -> AppResult<Option<String>> {
                let _turn = self.turn().await;
                // Once: the first use sets used_at; expired or used links match nothing.
                let row = sqlx::query(
                    "UPDATE resume_links SET used_at = $1
                     WHERE token_hash = $2 AND shop_id = $3 AND used_at IS NULL AND expires_at > $1
                     RETURNING principal",
                )
                .bind(now)
                .bind(token_hash)
                .bind(shop_id)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| r.try_get("principal").map_err(Into::into)).transpose()
            }
        }
    };
}

pub(super) use mail_storage;
