//! Staff presence rows and buyers' e-mail addresses, written once for both
//! databases like `shop_admin.rs`: the same SQL text expanded in each
//! storage's impl.

macro_rules! presence_storage {
    ($storage:ty) => {
    #[async_trait]
    impl super::PresenceStore for $storage {
        async fn beat_presence(&self, beat: &super::PresenceBeat<'_>) -> AppResult<()> {
            let _turn = self.turn().await;
            sqlx::query(
                "INSERT INTO staff_presence (socket_id, node, shop_id, staff_id, state, last_seen)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (socket_id) DO UPDATE SET state = excluded.state, last_seen = excluded.last_seen",
            )
            .bind(beat.socket_id)
            .bind(beat.node)
            .bind(beat.shop_id)
            .bind(beat.staff_id)
            .bind(beat.state.as_str())
            .bind(beat.now)
            .execute(&self.pool)
            .await?;
            Ok(())
        }

        async fn drop_presence(&self, socket_id: &str) -> AppResult<()> {
            let _turn = self.turn().await;
            sqlx::query("DELETE FROM staff_presence WHERE socket_id = $1").bind(socket_id).execute(&self.pool).await?;
            Ok(())
        }

        async fn shop_presence(&self, shop_id: &str, seen_since: i64) -> AppResult<talkshop_protocol::presence::StaffPresence> {
            use talkshop_protocol::presence::StaffPresence;
            let states: Vec<String> =
                sqlx::query_scalar("SELECT DISTINCT state FROM staff_presence WHERE shop_id = $1 AND last_seen >= $2")
                    .bind(shop_id)
                    .bind(seen_since)
                    .fetch_all(&self.pool)
                    .await?;
            Ok(states.iter().filter_map(|s| StaffPresence::parse(s)).max().unwrap_or(StaffPresence::Offline))
        }

        async fn sweep_presence(&self, seen_before: i64) -> AppResult<Vec<String>> {
            let _turn = self.turn().await;
            let mut shops: Vec<String> =
                sqlx::query_scalar("DELETE FROM staff_presence WHERE last_seen < $1 RETURNING shop_id")
                    .bind(seen_before)
                    .fetch_all(&self.pool)
                    .await?;
            shops.sort();
            shops.dedup();
            Ok(shops)
        }

        async fn shop_message_times(&self, shop_id: &str, since: i64, limit: i64) -> AppResult<Vec<(String, Sender, i64)>> {
            let rows = sqlx::query(
                "SELECT m.conversation_id, m.sender, m.created_at
                   FROM messages m JOIN conversations c ON c.id = m.conversation_id
                  WHERE c.shop_id = $1 AND c.last_activity >= $2 AND m.created_at >= $2
                  ORDER BY m.created_at DESC
                  LIMIT $3",
            )
            .bind(shop_id)
            .bind(since)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
            rows.iter()
                .map(|row| {
                    let sender: String = row.try_get("sender")?;
                    let sender = if sender == "buyer" { Sender::Buyer } else { Sender::Merchant };
                    Ok((row.try_get("conversation_id")?, sender, row.try_get("created_at")?))
                })
                .collect()
        }

        async fn set_conversation_email(&self, conversation_id: &str, email: &str, now: i64) -> AppResult<()> {
            let _turn = self.turn().await;
            sqlx::query(
                "INSERT INTO buyer_emails (conversation_id, email, consented_at) VALUES ($1, $2, $3)
                 ON CONFLICT (conversation_id) DO UPDATE SET email = excluded.email, consented_at = excluded.consented_at",
            )
            .bind(conversation_id)
            .bind(email)
            .bind(now)
            .execute(&self.pool)
            .await?;
            Ok(())
        }

        async fn conversation_email(&self, conversation_id: &str) -> AppResult<Option<talkshop_protocol::presence::StoredBuyerEmail>> {
            let row = sqlx::query("SELECT email, consented_at FROM buyer_emails WHERE conversation_id = $1")
                .bind(conversation_id)
                .fetch_optional(&self.pool)
                .await?;
            row.map(|row| {
                Ok(talkshop_protocol::presence::StoredBuyerEmail {
                    email: row.try_get("email")?,
                    consented_at: row.try_get("consented_at")?,
                })
            })
            .transpose()
        }
    }
    };
}

pub(super) use presence_storage;
