//! What a buyer gave before, read back for them: written once for both
//! databases (same `$n` SQL; see `shop_admin.rs`).

macro_rules! buyer_details_storage {
    ($storage:ty) => {
        #[async_trait]
        impl super::BuyerDetails for $storage {
            async fn last_order_with_contact(&self, shop_id: &str, principal: &str) -> AppResult<Option<Order>> {
                // The principal's conversation is shared by an identified user's devices,
                // so an order placed on one device is found from another.
                let row = sqlx::query(
                    "SELECT o.data FROM orders o JOIN conversations c ON c.id = o.conversation_id
                      WHERE o.shop_id = $1 AND c.shop_id = $1 AND c.visitor_id = $2
                      ORDER BY o.created_at DESC LIMIT 20",
                )
                .bind(shop_id)
                .bind(principal)
                .fetch_all(&self.pool)
                .await?;
                for r in row {
                    let order: Order = parse_json(r.try_get("data")?)?;
                    if order.contact.is_some() && order.fulfilment.is_some() {
                        return Ok(Some(order));
                    }
                }
                Ok(None)
            }

            async fn buyer_email(&self, shop_id: &str, principal: &str) -> AppResult<Option<String>> {
                let row = sqlx::query(
                    "SELECT email FROM users WHERE shop_id = $1 AND owner_visitor_id = $2 AND email IS NOT NULL
                     ORDER BY updated_at DESC LIMIT 1",
                )
                .bind(shop_id)
                .bind(principal)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| r.try_get("email").map_err(Into::into)).transpose()
            }
        }
    };
}

pub(super) use buyer_details_storage;
