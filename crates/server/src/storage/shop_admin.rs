//! Storage of merchants' own shops — settings, staff, invitations, API keys,
//! audit log — written once for both databases: the SQL is the same text
//! (`$n` parameters, which SQLite binds by position of first use), and the
//! macro expands it inside each `impl Storage` with that database's pool.
//! Each implementation provides `self.pool` and `self.turn()` (SQLite's one
//! writer at a time; nothing for PostgreSQL).

pub(super) const STAFF_COLUMNS: &str = "id, shop_id, email, name, password_hash, role";
pub(super) const SHOP_SELECT: &str = "SELECT s.id, s.name, s.settings, s.receiving,
        (SELECT COUNT(*) FROM staff st WHERE st.shop_id = s.id) AS staff_count
   FROM shops s";
pub(super) const INVITE_COLUMNS: &str = "id, shop_id, email, role, token_hash, created_at, expires_at";
pub(super) const API_KEY_COLUMNS: &str = "id, shop_id, name, prefix, key_hash, created_at, last_used_at";

pub(super) const STAFF_INSERT: &str =
    "INSERT INTO staff (id, shop_id, email, name, password_hash, role) VALUES ($1, $2, $3, $4, $5, $6)";

/// Binds a staff member to [`STAFF_INSERT`]'s parameters, for either database.
pub(super) fn bind_staff<'q, DB: sqlx::Database>(
    query: sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>,
    staff: &'q crate::storage::Staff,
) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>
where
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    &'q String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    query
        .bind(&staff.id)
        .bind(&staff.shop_id)
        .bind(&staff.email)
        .bind(&staff.name)
        .bind(&staff.password_hash)
        .bind(staff.role.as_str())
}

pub(super) fn role(raw: &str) -> crate::error::AppResult<talkshop_protocol::shop::StaffRole> {
    talkshop_protocol::shop::StaffRole::parse(raw)
        .ok_or_else(|| crate::error::AppError::Internal(format!("stored staff role {raw:?} is unknown")))
}

macro_rules! shop_admin_storage {
    ($storage:ty) => {
    #[async_trait]
    impl super::ShopAdmin for $storage {
        async fn staff_by_email(&self, email: &str) -> AppResult<Option<Staff>> {
            let sql = format!("SELECT {} FROM staff WHERE email = $1", super::shop_admin::STAFF_COLUMNS);
            let row = sqlx::query(&sql).bind(email).fetch_optional(&self.pool).await?;
            row.map(|r| staff_from_row(&r)).transpose()
        }

        async fn staff_by_id(&self, id: &str) -> AppResult<Option<Staff>> {
            let sql = format!("SELECT {} FROM staff WHERE id = $1", super::shop_admin::STAFF_COLUMNS);
            let row = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await?;
            row.map(|r| staff_from_row(&r)).transpose()
        }

        async fn shop_staff(&self, shop_id: &str) -> AppResult<Vec<Staff>> {
            let sql =
                format!("SELECT {} FROM staff WHERE shop_id = $1 ORDER BY role DESC, email", super::shop_admin::STAFF_COLUMNS);
            let rows = sqlx::query(&sql).bind(shop_id).fetch_all(&self.pool).await?;
            rows.iter().map(staff_from_row).collect()
        }

        async fn upsert_staff(&self, staff: &Staff) -> AppResult<()> {
            let _turn = self.turn().await;
            let sql = format!(
                "{} ON CONFLICT (email) DO UPDATE SET name = excluded.name, password_hash = excluded.password_hash",
                super::shop_admin::STAFF_INSERT
            );
            super::shop_admin::bind_staff(sqlx::query(&sql), staff).execute(&self.pool).await?;
            Ok(())
        }

        async fn insert_staff(&self, staff: &Staff) -> AppResult<bool> {
            let _turn = self.turn().await;
            let sql = format!("{} ON CONFLICT DO NOTHING", super::shop_admin::STAFF_INSERT);
            let done = super::shop_admin::bind_staff(sqlx::query(&sql), staff).execute(&self.pool).await?;
            Ok(done.rows_affected() == 1)
        }

        async fn delete_staff(&self, shop_id: &str, id: &str) -> AppResult<bool> {
            let _turn = self.turn().await;
            let done = sqlx::query("DELETE FROM staff WHERE shop_id = $1 AND id = $2")
                .bind(shop_id)
                .bind(id)
                .execute(&self.pool)
                .await?;
            Ok(done.rows_affected() == 1)
        }

        async fn set_staff_password(&self, id: &str, password_hash: &str) -> AppResult<bool> {
            let _turn = self.turn().await;
            let done = sqlx::query("UPDATE staff SET password_hash = $1 WHERE id = $2")
                .bind(password_hash)
                .bind(id)
                .execute(&self.pool)
                .await?;
            Ok(done.rows_affected() == 1)
        }

        async fn set_setting(&self, key: &str, value: &str) -> AppResult<()> {
            let _turn = self.turn().await;
            sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                .bind(key)
                .bind(value)
                .execute(&self.pool)
                .await?;
            Ok(())
        }

        async fn create_shop(&self, shop: &ShopInfo, settings: &str, owner: &Staff, now: i64) -> AppResult<bool> {
            let _turn = self.turn().await;
            let mut tx = self.pool.begin().await?;
            let shop_done = sqlx::query(
                "INSERT INTO shops (id, name, settings, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            )
            .bind(&shop.id)
            .bind(&shop.name)
            .bind(settings)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if shop_done.rows_affected() != 1 {
                return Ok(false);
            }
            let sql = format!("{} ON CONFLICT DO NOTHING", super::shop_admin::STAFF_INSERT);
            let staff_done = super::shop_admin::bind_staff(sqlx::query(&sql), owner).execute(&mut *tx).await?;
            if staff_done.rows_affected() != 1 {
                return Ok(false);
            }
            tx.commit().await?;
            Ok(true)
        }

        async fn shop_record(&self, id: &str) -> AppResult<Option<ShopRecord>> {
            let sql = format!("{} WHERE s.id = $1", super::shop_admin::SHOP_SELECT);
            let row = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await?;
            row.map(|r| shop_record_from_row(&r)).transpose()
        }

        async fn shop_records(&self) -> AppResult<Vec<ShopRecord>> {
            let sql = format!("{} ORDER BY s.id", super::shop_admin::SHOP_SELECT);
            let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
            rows.iter().map(shop_record_from_row).collect()
        }

        async fn save_shop_settings(&self, id: &str, name: &str, settings: &str) -> AppResult<()> {
            let _turn = self.turn().await;
            sqlx::query("UPDATE shops SET name = $1, settings = $2 WHERE id = $3")
                .bind(name)
                .bind(settings)
                .bind(id)
                .execute(&self.pool)
                .await?;
            Ok(())
        }

        async fn save_receiving(&self, id: &str, receiving: &str) -> AppResult<()> {
            let _turn = self.turn().await;
            sqlx::query("UPDATE shops SET receiving = $1 WHERE id = $2")
                .bind(receiving)
                .bind(id)
                .execute(&self.pool)
                .await?;
            Ok(())
        }

        async fn create_invite(&self, invite: &Invite) -> AppResult<()> {
            let _turn = self.turn().await;
            sqlx::query(
                "INSERT INTO invites (id, shop_id, email, role, token_hash, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&invite.id)
            .bind(&invite.shop_id)
            .bind(&invite.email)
            .bind(invite.role.as_str())
            .bind(&invite.token_hash)
            .bind(invite.created_at)
            .bind(invite.expires_at)
            .execute(&self.pool)
            .await?;
            Ok(())
        }

        async fn invites(&self, shop_id: &str, now: i64) -> AppResult<Vec<Invite>> {
            let sql = format!(
                "SELECT {} FROM invites WHERE shop_id = $1 AND used_at IS NULL AND expires_at > $2 ORDER BY created_at",
                super::shop_admin::INVITE_COLUMNS
            );
            let rows = sqlx::query(&sql).bind(shop_id).bind(now).fetch_all(&self.pool).await?;
            rows.iter().map(invite_from_row).collect()
        }

        async fn delete_invite(&self, shop_id: &str, id: &str) -> AppResult<bool> {
            let _turn = self.turn().await;
            let done = sqlx::query("DELETE FROM invites WHERE shop_id = $1 AND id = $2 AND used_at IS NULL")
                .bind(shop_id)
                .bind(id)
                .execute(&self.pool)
                .await?;
            Ok(done.rows_affected() == 1)
        }

        async fn take_invite(&self, token_hash: &str, now: i64) -> AppResult<Option<Invite>> {
            let _turn = self.turn().await;
            let sql = format!(
                "UPDATE invites SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING {}",
                super::shop_admin::INVITE_COLUMNS
            );
            let row = sqlx::query(&sql).bind(now).bind(token_hash).fetch_optional(&self.pool).await?;
            row.map(|r| invite_from_row(&r)).transpose()
        }

        async fn create_api_key(&self, key: &ApiKeyRecord) -> AppResult<()> {
            let _turn = self.turn().await;
            sqlx::query(
                "INSERT INTO api_keys (id, shop_id, name, prefix, key_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT DO NOTHING",
            )
            .bind(&key.id)
            .bind(&key.shop_id)
            .bind(&key.name)
            .bind(&key.prefix)
            .bind(&key.key_hash)
            .bind(key.created_at)
            .execute(&self.pool)
            .await?;
            Ok(())
        }

        async fn api_keys(&self, shop_id: &str) -> AppResult<Vec<ApiKeyRecord>> {
            let sql = format!(
                "SELECT {} FROM api_keys WHERE shop_id = $1 ORDER BY created_at, id",
                super::shop_admin::API_KEY_COLUMNS
            );
            let rows = sqlx::query(&sql).bind(shop_id).fetch_all(&self.pool).await?;
            rows.iter()
                .map(|r| {
                    Ok(ApiKeyRecord {
                        id: r.try_get("id")?,
                        shop_id: r.try_get("shop_id")?,
                        name: r.try_get("name")?,
                        prefix: r.try_get("prefix")?,
                        key_hash: r.try_get("key_hash")?,
                        created_at: r.try_get("created_at")?,
                        last_used_at: r.try_get("last_used_at")?,
                    })
                })
                .collect()
        }

        async fn revoke_api_key(&self, shop_id: &str, id: &str) -> AppResult<bool> {
            let _turn = self.turn().await;
            let done = sqlx::query("DELETE FROM api_keys WHERE shop_id = $1 AND id = $2")
                .bind(shop_id)
                .bind(id)
                .execute(&self.pool)
                .await?;
            Ok(done.rows_affected() == 1)
        }

        async fn shop_for_api_key(&self, key_hash: &str, now: i64) -> AppResult<Option<String>> {
            let row = sqlx::query("SELECT shop_id, last_used_at FROM api_keys WHERE key_hash = $1")
                .bind(key_hash)
                .fetch_optional(&self.pool)
                .await?;
            let Some(row) = row else { return Ok(None) };
            let last: Option<i64> = row.try_get("last_used_at")?;
            // At most one write a minute per key: "last used" is for people, not accounting.
            if last.is_none_or(|at| now - at > 60_000) {
                let _turn = self.turn().await;
                sqlx::query("UPDATE api_keys SET last_used_at = $1 WHERE key_hash = $2")
                    .bind(now)
                    .bind(key_hash)
                    .execute(&self.pool)
                    .await?;
            }
            Ok(Some(row.try_get("shop_id")?))
        }

        async fn audit(&self, shop_id: &str, entry: &AuditEntry) -> AppResult<()> {
            let _turn = self.turn().await;
            sqlx::query("INSERT INTO audit_log (shop_id, at, actor, action, detail) VALUES ($1, $2, $3, $4, $5)")
                .bind(shop_id)
                .bind(entry.at)
                .bind(&entry.actor)
                .bind(&entry.action)
                .bind(&entry.detail)
                .execute(&self.pool)
                .await?;
            Ok(())
        }

        async fn audit_log(&self, shop_id: &str, limit: i64) -> AppResult<Vec<AuditEntry>> {
            let rows = sqlx::query(
                "SELECT at, actor, action, detail FROM audit_log WHERE shop_id = $1 ORDER BY id DESC LIMIT $2",
            )
            .bind(shop_id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(AuditEntry {
                        at: r.try_get("at")?,
                        actor: r.try_get("actor")?,
                        action: r.try_get("action")?,
                        detail: r.try_get("detail")?,
                    })
                })
                .collect()
        }
    }
    };
}

/// Row readers shared by both databases (generic over the row type).
macro_rules! shop_admin_rows {
    ($row:ty) => {
        fn staff_from_row(r: &$row) -> AppResult<Staff> {
            Ok(Staff {
                id: r.try_get("id")?,
                shop_id: r.try_get("shop_id")?,
                email: r.try_get("email")?,
                name: r.try_get("name")?,
                password_hash: r.try_get("password_hash")?,
                role: super::shop_admin::role(r.try_get("role")?)?,
            })
        }

        fn shop_record_from_row(r: &$row) -> AppResult<ShopRecord> {
            Ok(ShopRecord {
                info: ShopInfo { id: r.try_get("id")?, name: r.try_get("name")? },
                settings: r.try_get("settings")?,
                receiving: r.try_get("receiving")?,
                staff_count: r.try_get("staff_count")?,
            })
        }

        fn invite_from_row(r: &$row) -> AppResult<Invite> {
            Ok(Invite {
                id: r.try_get("id")?,
                shop_id: r.try_get("shop_id")?,
                email: r.try_get("email")?,
                role: super::shop_admin::role(r.try_get("role")?)?,
                token_hash: r.try_get("token_hash")?,
                created_at: r.try_get("created_at")?,
                expires_at: r.try_get("expires_at")?,
            })
        }
    };
}

pub(super) use shop_admin_rows;
pub(super) use shop_admin_storage;
