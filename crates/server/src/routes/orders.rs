//! Purchase requests: the buyer sends this device's cart into the chat.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use talkshop_protocol::order::{CorrectAddress, OrderList, RememberedCheckout};
use talkshop_protocol::payment::PaymentState;
use talkshop_protocol::{
    ApiError, CartNotice, DeliveryMethod, ErrorCode, Message, MessageBody, Order, SendOrder, Sender, ServerFrame,
};

use crate::auth::{StaffViewer, Viewer};
use crate::catalog_changes::publish;
use crate::clock;
use crate::error::{path_rejection, AppJson, AppResult};
use crate::hub::Audience;
use crate::routes::cart::{buyer, edit, load};
use crate::routes::conversations::authorized;
use crate::state::AppState;
use crate::storage::{Appended, NewMessage, PlacedOrder};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/conversations/{id}/order", post(send_order))
        .route("/api/v1/orders", get(list))
        .route("/api/v1/orders/{id}", get(show))
        .route("/api/v1/orders/{id}/address", post(correct_address))
        .route("/api/v1/checkout/remembered", get(remembered))
}

/// The buyer's own last contact and delivery in this shop (an identified user's
/// from any of their devices; an anonymous buyer's from this device's visitor).
async fn remembered(State(state): State<AppState>, viewer: Viewer) -> AppResult<AppJson<RememberedCheckout>> {
    if viewer.is_staff() {
        return Err(ApiError::forbidden("Only a buyer has remembered checkout details").into());
    }
    let order = state.storage.last_order_with_contact(&viewer.claims.shop, viewer.claims.principal()).await?;
    Ok(AppJson(order.map_or_else(RememberedCheckout::default, |o| RememberedCheckout {
        contact: o.contact.map(|c| *c),
        fulfilment: o.fulfilment.map(|f| *f),
    })))
}

async fn send_order(
    State(state): State<AppState>,
    viewer: Viewer,
    path: Result<Path<String>, PathRejection>,
    AppJson(mut req): AppJson<SendOrder>,
) -> AppResult<(StatusCode, AppJson<Message>)> {
    let Path(id) = path.map_err(path_rejection)?;
    let visitor = buyer(&state, &viewer).await?;
    req.normalize();
    req.validate()?;
    let conversation = authorized(&state, &viewer, &id).await?;
    // A retry of an order already placed gets the same answer, whatever the cart holds now.
    if let Some(message) = state.storage.message_by_client_id(&id, Sender::Buyer, &req.client_id).await? {
        return retried(message);
    }
    let ordered = load(&state, &visitor).await?;

    // Re-check every line against the catalog as it is now.
    let ids: Vec<String> = ordered.lines.iter().map(|l| l.retailer_id.clone()).collect();
    let products = state.storage.products_by_ids(&visitor.shop_id, &ids).await?;
    let mut cart = ordered.clone();
    let mut changed = Vec::new();
    for line in cart.lines.iter_mut() {
        line.notices = line.changes(products.iter().find(|p| p.retailer_id == line.retailer_id));
        if !line.notices.is_empty() {
            changed.push(line.title.clone());
        }
    }
    if !changed.is_empty() {
        // Keep the notices so the buyer can review them, here and on other tabs.
        let fresh: Vec<(String, Vec<CartNotice>)> =
            cart.lines.iter().map(|l| (l.id.clone(), l.notices.clone())).collect();
        edit(&state, &visitor, |stored| {
            let mut touched = false;
            for line in stored.lines.iter_mut() {
                if let Some((_, notices)) = fresh.iter().find(|(line_id, _)| *line_id == line.id) {
                    if *notices != line.notices {
                        line.notices = notices.clone();
                        touched = true;
                    }
                }
            }
            Ok(touched)
        })
        .await?;
        return Err(ApiError {
            code: ErrorCode::Conflict,
            message: format!("Some items changed: {}. Review your cart before ordering.", changed.join(", ")),
            field: Some("cart".into()),
        }
        .into());
    }

    let now = clock::now_millis();
    let mut order = Order::from_cart(&cart, uuid::Uuid::new_v4().to_string(), id.clone(), req.note.clone(), now)?;
    // The option must exist and ship to the address; its price is fixed now.
    let fulfilment = req.fulfilment.clone().unwrap_or_default();
    let shop = crate::shops::load(&state, &visitor.shop_id).await?;
    order.shipping = shop.settings.shipping_for(&fulfilment, order.total)?;
    order.contact = req.contact.clone().map(Box::new);
    order.fulfilment = Some(Box::new(fulfilment));
    let body = MessageBody::Order { order: order.clone() };
    let mut emptied = ordered.clone();
    emptied.lines.clear();
    emptied.updated_at = now;
    let appended = state
        .storage
        .place_order(PlacedOrder {
            message: NewMessage {
                conversation_id: &conversation.id,
                sender: Sender::Buyer,
                client_id: &req.client_id,
                body: &body,
                created_at: now,
            },
            order: &order,
            owner: &visitor,
            ordered_cart: &ordered,
            emptied_cart: &emptied,
        })
        .await?;
    match appended {
        Appended::Created(message) => {
            tracing::info!(conversation = %id, order = %order.id, total = %order.total.amount, "order placed");
            // Queued right after the order's transaction committed (see `outbound::emit`).
            crate::outbound::emit(&state, &visitor.shop_id, talkshop_protocol::webhook::ORDER_PLACED, &order).await;
            crate::routes::conversations::publish(
                &state,
                &conversation,
                ServerFrame::Message { message: message.clone() },
            )
            .await;
            publish(
                &state,
                Audience::Visitor { shop_id: visitor.shop_id.clone(), visitor_id: visitor.id.clone() },
                ServerFrame::CartChanged { cart: emptied },
            )
            .await;
            Ok((StatusCode::CREATED, AppJson(message)))
        }
        Appended::Existing(message) => {
            if matches!(message.body, MessageBody::Order { .. }) {
                crate::routes::conversations::republish(&state, &conversation, &message).await;
            }
            retried(message)
        }
    }
}

/// The answer to a retried order: the stored order message; a client id the
/// buyer used for another kind of message is a conflict.
fn retried(message: Message) -> AppResult<(StatusCode, AppJson<Message>)> {
    match message.body {
        MessageBody::Order { .. } => Ok((StatusCode::OK, AppJson(message))),
        _ => Err(ApiError {
            code: ErrorCode::Conflict,
            message: "This client_id was already used for a different message".into(),
            field: Some("client_id".into()),
        }
        .into()),
    }
}

async fn list(State(state): State<AppState>, viewer: Viewer) -> AppResult<AppJson<OrderList>> {
    let visitor = (!viewer.is_staff()).then_some(viewer.claims.sub.as_str());
    let orders = state.storage.orders(&viewer.claims.shop, visitor).await?;
    Ok(AppJson(OrderList { orders }))
}

/// One order: the shop's staff, or the buyer who placed it (anyone else: 404).
async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    path: Result<Path<String>, PathRejection>,
) -> AppResult<AppJson<Order>> {
    let Path(id) = path.map_err(path_rejection)?;
    match state.storage.order(&id).await? {
        Some(stored) if viewer.may_access(&stored.shop_id, &stored.visitor_id) => Ok(AppJson(stored.order)),
        _ => Err(ApiError::not_found("Order").into()),
    }
}

/// Staff correct the delivery address (with a note); audited old → new. Nothing is
/// posted into the chat: the order (`GET /orders`, console *Orders*) carries the new address.
async fn correct_address(
    State(state): State<AppState>,
    viewer: StaffViewer,
    path: Result<Path<String>, PathRejection>,
    AppJson(mut req): AppJson<CorrectAddress>,
) -> AppResult<AppJson<Order>> {
    let Path(id) = path.map_err(path_rejection)?;
    let shop_id = viewer.staff.shop_id.clone();
    let stored = state.storage.order(&id).await?.filter(|o| o.shop_id == shop_id);
    let mut order = stored.ok_or_else(|| ApiError::not_found("Order"))?.order;
    req.normalize();
    req.validate()?;
    let fulfilment = match &mut order.fulfilment {
        Some(f) if f.method == DeliveryMethod::Ship => f,
        _ => return Err(ApiError::invalid("address", "This order is not shipped to an address").into()),
    };
    let shop = crate::shops::load(&state, &shop_id).await?;
    let option = shop.settings.shipping_options.iter().find(|o| Some(&o.id) == fulfilment.option_id.as_ref());
    if option.is_some_and(|o| !o.ships_to(&req.address.country)) {
        return Err(ApiError::invalid("address.country", "The order's shipping option does not ship there").into());
    }
    // The payment request carries its own copy of the delivery (the card, the webhooks):
    // it changes with the order, and not once the parcel has left.
    let billed: Vec<_> = state
        .storage
        .payment_requests(&shop_id, None, None)
        .await?
        .into_iter()
        .filter(|p| p.request.order_id.as_deref() == Some(id.as_str()))
        .collect();
    if billed.iter().any(|p| matches!(p.request.state, PaymentState::Shipped | PaymentState::Delivered)) {
        return Err(
            ApiError::new(ErrorCode::Conflict, "The order has shipped; its address can no longer change").into()
        );
    }
    let old = fulfilment.address.replace(req.address.clone());
    let corrected = fulfilment.clone();
    // The payment requests first, each only if unchanged since it was read (a
    // parcel marked shipped meanwhile makes this a conflict, and the order stays).
    let mut updated = Vec::new();
    for stored in billed {
        let mut request = stored.request.clone();
        request.fulfilment = Some(corrected.clone());
        request.updated_at = clock::now_millis().max(request.updated_at);
        if !state.storage.update_payment_request(&request, stored.version).await? {
            return Err(ApiError::new(ErrorCode::Conflict, "The payment changed meanwhile; try again").into());
        }
        updated.push(request);
    }
    state.storage.update_order(&order).await?;
    if let Some(conversation) = state.storage.conversation(&order.conversation_id).await? {
        // Both parties' cards show the new address at once.
        for request in updated {
            let frame = ServerFrame::PaymentUpdated { request: Box::new(request) };
            crate::routes::conversations::publish(&state, &conversation, frame).await;
        }
    }
    let text = |a: Option<&talkshop_protocol::Address>| a.map(|a| a.lines().join(", ")).unwrap_or_default();
    let detail = format!(
        "order {id}: {} → {}; note: {}",
        text(old.as_ref()),
        text(Some(&req.address)),
        req.note.as_deref().unwrap_or("-")
    );
    crate::shops::audit(&state, &shop_id, &viewer.actor(), "order.address", detail).await?;
    Ok(AppJson(order))
}
