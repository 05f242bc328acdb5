//! What happens when products change: every open card refreshes, and every
//! cart holding them gets notices with the old and new values.

use talkshop_protocol::{Product, ServerFrame};

use crate::error::AppResult;
use crate::hub::{Audience, Event};
use crate::state::AppState;

/// Announces changed products to the shop and marks the carts that hold them.
pub async fn announce(state: &AppState, shop_id: &str, products: Vec<Product>) -> AppResult<()> {
    if products.is_empty() {
        return Ok(());
    }
    for product in &products {
        for owner in state.storage.carts_holding(shop_id, &product.retailer_id).await? {
            // Notices compare the buyer's snapshot with the product now; a line
            // that matches again loses its notices.
            crate::routes::cart::edit(state, &owner, |cart| {
                let mut touched = false;
                for line in cart.lines.iter_mut().filter(|l| l.retailer_id == product.retailer_id) {
                    let notices = line.changes(Some(product));
                    if notices != line.notices {
                        line.notices = notices;
                        touched = true;
                    }
                }
                Ok(touched)
            })
            .await?;
        }
    }
    publish(state, Audience::Shop { shop_id: shop_id.into() }, ServerFrame::ProductsChanged { products }).await;
    Ok(())
}

/// Tells every socket of `audience` on every node; see [`crate::hub::Hub::publish`].
pub async fn publish(state: &AppState, audience: Audience, frame: ServerFrame) {
    state.hub.publish(Event { audience, frame }).await;
}
