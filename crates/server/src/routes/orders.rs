//! Purchase requests: the buyer sends this device's cart into the chat.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use talkshop_protocol::order::OrderList;
use talkshop_protocol::{ApiError, ErrorCode, Message, MessageBody, Order, SendOrder, ServerFrame};

use crate::auth::Viewer;
use crate::catalog_changes::publish;
use crate::clock;
use crate::error::{path_rejection, AppJson, AppResult};
use crate::hub::Audience;
use crate::routes::cart::{buyer, load};
use crate::routes::conversations::authorized;
use crate::state::AppState;
use crate::storage::{Appended, NewMessage, PlacedOrder};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/conversations/{id}/order", post(send_order)).route("/api/v1/orders", get(list))
}

async fn send_order(
    State(state): State<AppState>,
    viewer: Viewer,
    path: Result<Path<String>, PathRejection>,
    AppJson(req): AppJson<SendOrder>,
) -> AppResult<(StatusCode, AppJson<Message>)> {
    let Path(id) = path.map_err(path_rejection)?;
    req.validate()?;
    let visitor = buyer(&state, &viewer).await?;
    let conversation = authorized(&state, &viewer, &id).await?;
    // A retry of an order already placed gets the same answer, whatever the cart holds now.
    if let Some(message) = state.storage.message_by_client_id(&id, viewer.sender(), &req.client_id).await? {
        return Ok((StatusCode::OK, AppJson(message)));
    }
    let mut cart = load(&state, &visitor).await?;

    // Re-check every line against the catalog as it is now.
    let ids: Vec<String> = cart.lines.iter().map(|l| l.retailer_id.clone()).collect();
    let products = state.storage.products_by_ids(&visitor.shop_id, &ids).await?;
    let mut changed = Vec::new();
    for line in cart.lines.iter_mut() {
        let notices = line.changes(products.iter().find(|p| p.retailer_id == line.retailer_id));
        if !notices.is_empty() {
            changed.push(line.title.clone());
        }
        if notices != line.notices {
            line.notices = notices;
        }
    }
    if !changed.is_empty() {
        cart.updated_at = clock::now_millis();
        state.storage.save_cart(&cart, &visitor.id, &visitor.device_id).await?;
        publish(
            &state,
            Audience::Visitor { shop_id: visitor.shop_id.clone(), visitor_id: visitor.id.clone() },
            ServerFrame::CartChanged { cart },
        );
        return Err(ApiError {
            code: ErrorCode::Conflict,
            message: format!("Some items changed: {}. Review your cart before ordering.", changed.join(", ")),
            field: Some("cart".into()),
        }
        .into());
    }

    let now = clock::now_millis();
    let order = Order::from_cart(&cart, uuid::Uuid::new_v4().to_string(), id.clone(), req.note.clone(), now)?;
    let body = MessageBody::Order { order: order.clone() };
    let mut emptied = cart.clone();
    emptied.lines.clear();
    emptied.updated_at = now;
    let appended = state
        .storage
        .place_order(PlacedOrder {
            message: NewMessage {
                conversation_id: &conversation.id,
                sender: viewer.sender(),
                client_id: &req.client_id,
                body: &body,
                created_at: now,
            },
            order: &order,
            shop_id: &visitor.shop_id,
            visitor_id: &visitor.id,
            device_id: &visitor.device_id,
            emptied_cart: &emptied,
        })
        .await?;
    match appended {
        Appended::Created(message) => {
            tracing::info!(conversation = %id, order = %order.id, total = %order.total.amount, "order placed");
            crate::routes::conversations::publish(
                &state,
                &conversation,
                ServerFrame::Message { message: message.clone() },
            );
            publish(
                &state,
                Audience::Visitor { shop_id: visitor.shop_id.clone(), visitor_id: visitor.id.clone() },
                ServerFrame::CartChanged { cart: emptied },
            );
            Ok((StatusCode::CREATED, AppJson(message)))
        }
        Appended::Existing(message) => Ok((StatusCode::OK, AppJson(message))),
    }
}

async fn list(State(state): State<AppState>, viewer: Viewer) -> AppResult<AppJson<OrderList>> {
    let visitor = (!viewer.is_staff()).then_some(viewer.claims.sub.as_str());
    let orders = state.storage.orders(&viewer.claims.shop, visitor).await?;
    Ok(AppJson(OrderList { orders }))
}
