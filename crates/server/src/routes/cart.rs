//! This device's cart: `/api/v1/cart`. Buyers only; one cart per buyer,
//! device and shop, created on first use.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::routing::{get, patch, post};
use axum::Router;
use talkshop_protocol::cart::validate_quantity;
use talkshop_protocol::{AddToCart, ApiError, Cart, CartLine, ServerFrame, SetQuantity};

use crate::auth::Viewer;
use crate::catalog_changes::publish;
use crate::clock;
use crate::error::{path_rejection, AppJson, AppResult};
use crate::hub::Audience;
use crate::state::AppState;
use crate::storage::Visitor;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/cart", get(show).delete(clear))
        .route("/api/v1/cart/lines", post(add))
        .route("/api/v1/cart/lines/{line_id}", patch(set_quantity).delete(remove))
        .route("/api/v1/cart/acknowledge", post(acknowledge))
}

/// The buyer behind a token, with the device their cart belongs to.
pub async fn buyer(state: &AppState, viewer: &Viewer) -> AppResult<Visitor> {
    if viewer.is_staff() {
        return Err(ApiError::forbidden("Carts belong to buyers").into());
    }
    state.storage.visitor(&viewer.claims.sub).await?.ok_or_else(|| ApiError::unauthorized("Unknown visitor").into())
}

/// This device's cart as stored; an empty one (not stored yet) before the first change.
pub async fn load(state: &AppState, visitor: &Visitor) -> AppResult<Cart> {
    Ok(state.storage.cart(visitor).await?.unwrap_or_else(|| Cart {
        id: uuid::Uuid::new_v4().to_string(),
        shop_id: visitor.shop_id.clone(),
        lines: Vec::new(),
        updated_at: clock::now_millis(),
    }))
}

/// Changes this device's cart with no other write in between, stores it when
/// `change` answers true, and then tells every socket of this buyer.
pub async fn edit(
    state: &AppState,
    visitor: &Visitor,
    mut change: impl FnMut(&mut Cart) -> AppResult<bool> + Send,
) -> AppResult<(Cart, bool)> {
    let (cart, stored) = state
        .storage
        .edit_cart(visitor, &mut |cart: &mut Cart| {
            let store = change(cart)?;
            if store {
                cart.updated_at = clock::now_millis();
            }
            Ok(store)
        })
        .await?;
    if stored {
        publish(
            state,
            Audience::Visitor { shop_id: visitor.shop_id.clone(), visitor_id: visitor.id.clone() },
            ServerFrame::CartChanged { cart: cart.clone() },
        )
        .await;
    }
    Ok((cart, stored))
}

/// A change the buyer asked for: always stored, answered with the cart.
async fn change(
    state: &AppState,
    visitor: &Visitor,
    mut change: impl FnMut(&mut Cart) -> AppResult<()> + Send,
) -> AppResult<AppJson<Cart>> {
    let (cart, _) = edit(state, visitor, |cart: &mut Cart| change(cart).map(|()| true)).await?;
    Ok(AppJson(cart))
}

async fn show(State(state): State<AppState>, viewer: Viewer) -> AppResult<AppJson<Cart>> {
    let visitor = buyer(&state, &viewer).await?;
    Ok(AppJson(load(&state, &visitor).await?))
}

async fn add(
    State(state): State<AppState>,
    viewer: Viewer,
    AppJson(req): AppJson<AddToCart>,
) -> AppResult<AppJson<Cart>> {
    let visitor = buyer(&state, &viewer).await?;
    req.validate()?;
    let product = state
        .storage
        .products_by_ids(&visitor.shop_id, std::slice::from_ref(&req.retailer_id))
        .await?
        .pop()
        .filter(|p| !p.archived)
        .ok_or_else(|| ApiError::invalid("retailer_id", format!("No product {:?} in this shop", req.retailer_id)))?;
    let purchasable = product.purchasable(req.variant_sku.as_deref()).ok_or_else(|| match &req.variant_sku {
        None => ApiError::invalid("variant_sku", "Choose the product's options first"),
        Some(sku) => ApiError::invalid("variant_sku", format!("{:?} has no option {sku:?}", product.title)),
    })?;
    change(&state, &visitor, |cart| {
        let existing =
            cart.lines.iter().position(|l| l.retailer_id == req.retailer_id && l.variant_sku == req.variant_sku);
        let quantity = existing.map_or(0, |i| cart.lines[i].quantity) + req.quantity;
        validate_quantity(quantity)?;
        if !purchasable.availability.can_buy(quantity) {
            return Err(ApiError::invalid(
                "quantity",
                format!("{}: {}", product.title, purchasable.availability.label()),
            )
            .into());
        }
        match existing {
            Some(i) => cart.lines[i].quantity = quantity,
            None => {
                cart.accepts(purchasable.price.currency)?;
                cart.lines.push(CartLine {
                    id: uuid::Uuid::new_v4().to_string(),
                    retailer_id: product.retailer_id.clone(),
                    variant_sku: req.variant_sku.clone(),
                    title: product.title.clone(),
                    options: purchasable.options.clone(),
                    image_url: product.image_url.clone(),
                    unit_price: purchasable.price,
                    quantity,
                    product_version: product.version,
                    notices: Vec::new(),
                });
            }
        }
        Ok(())
    })
    .await
}

fn line_index(cart: &Cart, line_id: &str) -> AppResult<usize> {
    cart.lines.iter().position(|l| l.id == line_id).ok_or_else(|| ApiError::not_found("Cart line").into())
}

async fn set_quantity(
    State(state): State<AppState>,
    viewer: Viewer,
    path: Result<Path<String>, PathRejection>,
    AppJson(req): AppJson<SetQuantity>,
) -> AppResult<AppJson<Cart>> {
    let Path(line_id) = path.map_err(path_rejection)?;
    let visitor = buyer(&state, &viewer).await?;
    validate_quantity(req.quantity)?;
    let current = load(&state, &visitor).await?;
    let line = &current.lines[line_index(&current, &line_id)?];
    // More of an item needs the stock for it; fewer is always fine.
    let product = state.storage.products_by_ids(&visitor.shop_id, std::slice::from_ref(&line.retailer_id)).await?.pop();
    let availability = product
        .as_ref()
        .filter(|p| !p.archived)
        .and_then(|p| p.purchasable(line.variant_sku.as_deref()))
        .map(|p| p.availability);
    change(&state, &visitor, |cart| {
        let i = line_index(cart, &line_id)?;
        let line = &mut cart.lines[i];
        if req.quantity > line.quantity && !availability.is_some_and(|a| a.can_buy(req.quantity)) {
            let label = availability.map_or_else(|| "No longer sold".to_string(), |a| a.label());
            return Err(ApiError::invalid("quantity", format!("{}: {label}", line.title)).into());
        }
        line.quantity = req.quantity;
        Ok(())
    })
    .await
}

async fn remove(
    State(state): State<AppState>,
    viewer: Viewer,
    path: Result<Path<String>, PathRejection>,
) -> AppResult<AppJson<Cart>> {
    let Path(line_id) = path.map_err(path_rejection)?;
    let visitor = buyer(&state, &viewer).await?;
    change(&state, &visitor, |cart| {
        let i = line_index(cart, &line_id)?;
        cart.lines.remove(i);
        Ok(())
    })
    .await
}

async fn clear(State(state): State<AppState>, viewer: Viewer) -> AppResult<AppJson<Cart>> {
    let visitor = buyer(&state, &viewer).await?;
    change(&state, &visitor, |cart| {
        cart.lines.clear();
        Ok(())
    })
    .await
}

/// The buyer accepts the new values of changed items; lines that can no longer be bought go.
async fn acknowledge(State(state): State<AppState>, viewer: Viewer) -> AppResult<AppJson<Cart>> {
    let visitor = buyer(&state, &viewer).await?;
    let current = load(&state, &visitor).await?;
    let ids: Vec<String> = current.lines.iter().map(|l| l.retailer_id.clone()).collect();
    let products = state.storage.products_by_ids(&visitor.shop_id, &ids).await?;
    change(&state, &visitor, |cart| {
        cart.lines.retain_mut(|line| {
            // A line added after the products were read has no notices yet.
            if line.notices.is_empty() {
                return true;
            }
            line.refresh(products.iter().find(|p| p.retailer_id == line.retailer_id))
        });
        Ok(())
    })
    .await
}
