//! Presence and hours: buyers see whether the shop answers now — staff at
//! their console (online), connected but idle (away), or gone (offline) —
//! its business hours in its own time zone with when it is back, and how fast
//! it usually replies; outside hours a buyer may leave an e-mail address.
//! Real HTTP and WebSockets on a real database (SQLite, or PostgreSQL with
//! `TALKSHOP_TEST_DATABASE=postgres`, where one test runs two nodes).

mod common;

use common::*;
use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::{json, Value};
use talkshop_protocol::presence::{ShopAvailability, StaffPresence, StoredBuyerEmail};
use talkshop_protocol::shop::SettingsPage;
use talkshop_protocol::{ClientFrame, ErrorCode, MessageBody, Sender, ServerFrame, ShopLook};
use talkshop_server::storage::{NewMessage, PresenceBeat};
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// The next `availability` frame on a socket, skipping every other frame.
async fn next_availability(ws: &mut Ws) -> ShopAvailability {
    let read = async {
        loop {
            match ws.stream.next().await {
                Some(Ok(WsMessage::Text(text))) => {
                    if let Ok(ServerFrame::Availability { availability }) = serde_json::from_str(text.as_str()) {
                        return availability;
                    }
                }
                Some(Ok(_)) => {}
                other => panic!("socket ended before an availability frame: {other:?}"),
            }
        }
    };
    tokio::time::timeout(FRAME_TIMEOUT, read).await.expect("an availability frame within the timeout")
}

async fn shop_availability(server: &Server) -> ShopAvailability {
    let look: ShopLook =
        expect_json(server.get(&format!("/shops/{SHOP}"), None).send().await.unwrap(), StatusCode::OK).await;
    look.availability
}

/// Saves the demo shop's settings (its staff member is the owner) changed by `change`.
async fn save_settings(server: &Server, token: &str, change: impl FnOnce(&mut Value)) -> reqwest::Response {
    let page: SettingsPage =
        expect_json(server.get("/console/settings", Some(token)).send().await.unwrap(), StatusCode::OK).await;
    let mut body = serde_json::to_value(page.settings).unwrap();
    change(&mut body);
    server.put("/console/settings", Some(token)).json(&body).send().await.unwrap()
}

fn all_week(open: &str, close: &str) -> Value {
    json!(vec![vec![json!({"open": open, "close": close})]; 7])
}

#[tokio::test]
async fn staff_at_the_console_is_online_idle_is_away_and_gone_is_offline() {
    let server = Server::start().await;
    assert_eq!(shop_availability(&server).await.staff, StaffPresence::Offline);
    let visitor = server.visitor().await;
    let mut buyer = server.ws(&visitor.token).await;
    // A buyer's socket learns the state at once.
    assert_eq!(next_availability(&mut buyer).await.staff, StaffPresence::Offline);

    let staff_token = server.staff_token().await;
    let mut console = server.ws(&staff_token).await;
    assert_eq!(next_availability(&mut buyer).await.staff, StaffPresence::Online);
    assert_eq!(shop_availability(&server).await.staff, StaffPresence::Online);

    console.send_frame(&ClientFrame::Activity { idle: true }).await;
    assert_eq!(next_availability(&mut buyer).await.staff, StaffPresence::Away);
    assert_eq!(shop_availability(&server).await.staff, StaffPresence::Away);

    // A second console that is active makes the shop online again.
    let mut second = server.ws(&staff_token).await;
    assert_eq!(next_availability(&mut buyer).await.staff, StaffPresence::Online);
    second.stream.close(None).await.unwrap();
    assert_eq!(next_availability(&mut buyer).await.staff, StaffPresence::Away);

    console.send_frame(&ClientFrame::Activity { idle: false }).await;
    assert_eq!(next_availability(&mut buyer).await.staff, StaffPresence::Online);

    // Signing out closes the console's socket.
    console.stream.close(None).await.unwrap();
    assert_eq!(next_availability(&mut buyer).await.staff, StaffPresence::Offline);
    assert_eq!(shop_availability(&server).await.staff, StaffPresence::Offline);

    // Only staff report activity.
    buyer.send_frame(&ClientFrame::Activity { idle: false }).await;
    assert_eq!(buyer.next_error().await.code, ErrorCode::Forbidden);
    server.stop().await;
}

#[tokio::test]
async fn staff_of_a_stopped_node_count_as_offline_and_are_swept() {
    let server = Server::start().await;
    let state = server.app_state();
    let now = talkshop_server::clock::now_millis();
    let beat = |socket_id, now| PresenceBeat {
        socket_id,
        node: "a-node-that-stopped",
        shop_id: SHOP,
        staff_id: "staff-1",
        state: StaffPresence::Online,
        now,
    };
    state.storage.beat_presence(&beat("fresh", now)).await.unwrap();
    assert_eq!(shop_availability(&server).await.staff, StaffPresence::Online);
    state.storage.drop_presence("fresh").await.unwrap();
    // Not refreshed for more than two beats: its node stopped.
    state.storage.beat_presence(&beat("stale", now - talkshop_server::presence::GONE_AFTER_MS - 1000)).await.unwrap();
    assert_eq!(shop_availability(&server).await.staff, StaffPresence::Offline);
    let swept = state.storage.sweep_presence(now - talkshop_server::presence::GONE_AFTER_MS).await.unwrap();
    assert_eq!(swept, vec![SHOP.to_owned()]);
    assert!(state.storage.sweep_presence(now).await.unwrap().is_empty());
    server.stop().await;
}

#[tokio::test]
async fn business_hours_follow_the_shop_time_zone_and_say_when_it_is_back() {
    let server = Server::start().await;
    let owner = server.staff_token().await;
    let visitor = server.visitor().await;
    let mut buyer = server.ws(&visitor.token).await;
    assert!(next_availability(&mut buyer).await.open);

    // Open all day every day in Bangkok.
    let resp = save_settings(&server, &owner, |s| {
        s["business_hours"] = json!({"time_zone": "Asia/Bangkok", "days": all_week("00:00", "24:00")});
    })
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let open = shop_availability(&server).await;
    assert!(open.open && open.back_at.is_none(), "{open:?}");
    // It closes at the next midnight in Bangkok.
    let bangkok = jiff::tz::TimeZone::get("Asia/Bangkok").unwrap();
    let today = jiff::Timestamp::now().to_zoned_datetime(bangkok.clone()).date();
    let midnight = today.tomorrow().unwrap().at(0, 0, 0, 0).to_zoned_datetime(bangkok.clone()).unwrap();
    assert_eq!(open.closes_at, Some(midnight.timestamp().as_millisecond()));

    // Open only two days from now (in Bangkok), 09:00 to 17:00: closed, back then.
    let day = today.tomorrow().unwrap().tomorrow().unwrap();
    let mut days = vec![vec![]; 7];
    days[day.weekday().to_monday_zero_offset() as usize] = vec![json!({"open": "09:00", "close": "17:00"})];
    let resp = save_settings(&server, &owner, |s| {
        s["business_hours"] = json!({"time_zone": "Asia/Bangkok", "days": days});
        s["away_message"] = json!("Fechado agora, voltamos logo");
    })
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let expected_back = day.at(9, 0, 0, 0).to_zoned_datetime(bangkok).unwrap().timestamp().as_millisecond();
    let closed = shop_availability(&server).await;
    assert!(!closed.open, "{closed:?}");
    assert_eq!(closed.back_at, Some(expected_back));
    assert_eq!(closed.away_message, "Fechado agora, voltamos logo");
    assert!(closed.offers_email());
    // Buyers connected are told live.
    loop {
        let live = next_availability(&mut buyer).await;
        if !live.open {
            assert_eq!(live, closed);
            break;
        }
    }
    // Someone at the console answers anyway.
    let _console = server.ws(&owner).await;
    let staffed = next_availability(&mut buyer).await;
    assert_eq!((staffed.staff, staffed.open), (StaffPresence::Online, false));
    assert!(!staffed.offers_email());
    server.stop().await;
}

#[tokio::test]
async fn bad_business_hours_are_refused_naming_the_field() {
    let server = Server::start().await;
    let owner = server.staff_token().await;
    let cases = [
        (json!({"time_zone": "Mars/Olympus_Mons", "days": all_week("09:00", "17:00")}), "business_hours.time_zone"),
        (json!({"time_zone": "../etc/passwd", "days": all_week("09:00", "17:00")}), "business_hours.time_zone"),
        (json!({"time_zone": "America/Sao_Paulo", "days": all_week("18:00", "09:00")}), "business_hours.days"),
        (json!({"time_zone": "America/Sao_Paulo", "days": all_week("09:00", "25:00")}), "business_hours.days"),
        (json!({"time_zone": "America/Sao_Paulo", "days": [[]]}), "business_hours.days"),
    ];
    for (hours, field) in cases {
        let resp = save_settings(&server, &owner, |s| s["business_hours"] = hours).await;
        expect_invalid(resp, field).await;
    }
    let resp = save_settings(&server, &owner, |s| s["business_hours"] = json!({"time_zone": "Asia/Bangkok"})).await;
    expect_error(resp, StatusCode::BAD_REQUEST, ErrorCode::BadRequest).await;
    // Nothing was stored: the shop has no hours and is open.
    assert!(shop_availability(&server).await.open);
    server.stop().await;
}

#[tokio::test]
async fn the_typical_reply_time_is_the_median_first_reply_of_the_last_30_days() {
    let server = Server::start().await;
    let state = server.app_state();
    assert_eq!(shop_availability(&server).await.typical_reply_secs, None);
    let now = talkshop_server::clock::now_millis();
    let minute = 60_000;
    // Three buyers waited 5, 10 and 40 minutes for the first reply; a follow-up
    // reply and a buyer still waiting do not count, nor does a reply from 40 days ago.
    let threads: [&[(Sender, i64)]; 5] = [
        &[(Sender::Buyer, -120), (Sender::Buyer, -119), (Sender::Merchant, -115), (Sender::Merchant, -100)],
        &[(Sender::Buyer, -90), (Sender::Merchant, -80)],
        &[(Sender::Buyer, -60), (Sender::Merchant, -20)],
        &[(Sender::Buyer, -10)],
        &[(Sender::Buyer, -40 * 24 * 60), (Sender::Merchant, -40 * 24 * 60 + 600)],
    ];
    for thread in threads {
        let (_, conversation) = server.buyer().await;
        for (i, (sender, at)) in thread.iter().enumerate() {
            let body = MessageBody::Text { text: format!("message {i}") };
            let message = NewMessage {
                conversation_id: &conversation,
                sender: *sender,
                client_id: &unique("client"),
                body: &body,
                created_at: now + at * minute,
            };
            state.storage.append_message(message).await.unwrap();
        }
    }
    state.presence.forget_reply_times().await;
    let availability = shop_availability(&server).await;
    assert_eq!(availability.typical_reply_secs, Some(10 * 60));
    assert_eq!(availability.headline(), talkshop_protocol::presence::Headline::RepliesInMinutes(10));
    server.stop().await;
}

#[tokio::test]
async fn a_buyer_leaves_their_own_email_with_consent() {
    let server = Server::start().await;
    let (token, conversation) = server.buyer().await;
    let path = format!("/conversations/{conversation}/email");
    let put = |token: &str, body: Value| server.put(&path, Some(token)).json(&body).send();

    expect_invalid(put(&token, json!({"email": "not-an-address", "consent": true})).await.unwrap(), "email").await;
    expect_invalid(put(&token, json!({"email": "ana@example.com", "consent": false})).await.unwrap(), "consent").await;
    let resp = put(&token, json!({"email": "ana@example.com"})).await.unwrap();
    expect_error(resp, StatusCode::BAD_REQUEST, ErrorCode::BadRequest).await;
    let resp = server.get(&path, Some(&token)).send().await.unwrap();
    expect_error(resp, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;

    let before = talkshop_server::clock::now_millis();
    let stored: StoredBuyerEmail =
        expect_json(put(&token, json!({"email": " ana@example.com ", "consent": true})).await.unwrap(), StatusCode::OK)
            .await;
    assert_eq!(stored.email, "ana@example.com");
    assert!(stored.consented_at >= before);

    // Another buyer may neither set nor read it; staff read it but do not set it.
    let (other, _) = server.buyer().await;
    let resp = put(&other, json!({"email": "eve@example.com", "consent": true})).await.unwrap();
    expect_error(resp, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    let resp = server.get(&path, Some(&other)).send().await.unwrap();
    expect_error(resp, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    let staff = server.staff_token().await;
    let resp = put(&staff, json!({"email": "eve@example.com", "consent": true})).await.unwrap();
    expect_error(resp, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    let read: StoredBuyerEmail =
        expect_json(server.get(&path, Some(&staff)).send().await.unwrap(), StatusCode::OK).await;
    assert_eq!(read, stored);
    let outsider = server.outsider_staff().await;
    let resp = server.get(&path, Some(&outsider)).send().await.unwrap();
    expect_error(resp, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    server.stop().await;
}

#[tokio::test]
async fn staff_on_one_node_make_the_shop_online_for_buyers_on_another() {
    if !postgres_or_skip("staff_on_one_node_make_the_shop_online_for_buyers_on_another") {
        return;
    }
    let db = TestDb::fresh();
    let a = Server::start_on(db.url()).await;
    let b = Server::start_on(db.url()).await;
    let visitor = b.visitor().await;
    let mut buyer = b.ws(&visitor.token).await;
    assert_eq!(next_availability(&mut buyer).await.staff, StaffPresence::Offline);
    let mut console = a.ws(&a.staff_token().await).await;
    assert_eq!(next_availability(&mut buyer).await.staff, StaffPresence::Online);
    assert_eq!(shop_availability(&b).await.staff, StaffPresence::Online);
    console.send_frame(&ClientFrame::Activity { idle: true }).await;
    assert_eq!(next_availability(&mut buyer).await.staff, StaffPresence::Away);
    console.stream.close(None).await.unwrap();
    assert_eq!(next_availability(&mut buyer).await.staff, StaffPresence::Offline);
    assert_eq!(shop_availability(&b).await.staff, StaffPresence::Offline);
    a.stop().await;
    b.stop().await;
}
