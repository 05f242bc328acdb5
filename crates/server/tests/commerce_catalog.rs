//! The catalog over real HTTP: seeded shops and images, staff edits with
//! versions, validation naming the field, buyers reading, and the merchant
//! API key's bulk upsert.

mod common;

use common::commerce::*;
use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use talkshop_protocol::catalog::{UpsertReport, MAX_UPSERT_BATCH};
use talkshop_protocol::{Availability, Currency, ErrorCode, Product};

#[tokio::test]
async fn demo_shops_are_seeded_with_44_products_variants_and_stock_levels() {
    let server = Server::start().await;
    let demo = server.catalog(&server.staff_token().await, "").await;
    let siam = server.catalog(&server.siam_staff_token().await, "").await;
    assert!(demo.len() >= 24 && siam.len() >= 20, "{} + {}", demo.len(), siam.len());
    assert!(demo.iter().all(|p| p.price.currency == Currency::Brl));
    assert!(siam.iter().all(|p| p.price.currency == Currency::Thb));
    let all: Vec<&Product> = demo.iter().chain(&siam).collect();
    assert!(all.iter().filter(|p| p.variants.len() >= 2).count() >= 6, "several products with variants");
    let availabilities: Vec<Availability> = all
        .iter()
        .flat_map(|p| std::iter::once(p.availability).chain(p.variants.iter().map(|v| v.availability)))
        .collect();
    assert!(
        availabilities.iter().filter(|a| matches!(a, Availability::Limited { quantity } if *quantity > 0)).count() >= 3
    );
    assert!(availabilities.contains(&Availability::OutOfStock));
    for p in &all {
        let shop = if p.price.currency == Currency::Brl { "demo" } else { "siam" };
        assert_eq!(p.image_url, format!("/catalog-images/{shop}/{}.svg", p.retailer_id));
        assert_eq!(p.version, 1);
    }
}

#[tokio::test]
async fn catalog_images_are_deterministic_svg_without_catalog_text() {
    let server = Server::start().await;
    let get = |path: &str| server.http.get(format!("{}{path}", server.url)).send();
    let first = get("/catalog-images/demo/CA-VASE-TERRA.svg").await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(first.headers()["content-type"], "image/svg+xml");
    assert!(first.headers()["cache-control"].to_str().unwrap().contains("max-age"));
    let svg = first.text().await.unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("linearGradient"));
    assert!(!svg.contains("<text") && !svg.contains("Terracotta") && !svg.contains("CA-VASE"));
    let again = get("/catalog-images/demo/CA-VASE-TERRA.svg").await.unwrap().text().await.unwrap();
    assert_eq!(svg, again, "same SKU, same picture");
    let other = get("/catalog-images/demo/CA-MUG-CAFE.svg").await.unwrap().text().await.unwrap();
    assert_ne!(svg, other);
    for bad in ["/catalog-images/demo/CA-MUG-CAFE.png", "/catalog-images/demo/a%20b.svg"] {
        assert_eq!(get(bad).await.unwrap().status(), StatusCode::NOT_FOUND, "{bad}");
    }
}

#[tokio::test]
async fn staff_create_edit_and_archive_products_with_versions() {
    let server = Server::start().await;
    let staff = server.staff_token().await;
    let created: Product =
        expect_json(server.create_product(&staff, &product("MUG-1", "49.90")).await, StatusCode::CREATED).await;
    assert_eq!((created.version, created.archived), (1, false));
    let again = server.create_product(&staff, &product("MUG-1", "10.00")).await;
    let err = expect_error(again, StatusCode::CONFLICT, ErrorCode::Conflict).await;
    assert_eq!(err.field.as_deref(), Some("retailer_id"));
    assert_eq!(server.product(&staff, "MUG-1").await.price.amount.to_string(), "49.90", "the conflict changed nothing");

    let edited: Product =
        expect_json(server.replace_product(&staff, "MUG-1", &product("MUG-1", "54.90")).await, StatusCode::OK).await;
    assert_eq!((edited.version, edited.price.amount.to_string()), (2, "54.90".to_string()));
    let archived: Product = expect_json(server.archive_product(&staff, "MUG-1").await, StatusCode::OK).await;
    assert!(archived.archived);
    assert_eq!(archived.version, 3);
    let twice: Product = expect_json(server.archive_product(&staff, "MUG-1").await, StatusCode::OK).await;
    assert_eq!(twice.version, 3, "archiving an archived product changes nothing");

    let unknown = server.replace_product(&staff, "NOPE-1", &product("NOPE-1", "1.00")).await;
    expect_error(unknown, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    expect_error(server.archive_product(&staff, "NOPE-1").await, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    let mismatch = server.replace_product(&staff, "MUG-1", &product("MUG-2", "1.00")).await;
    expect_invalid(mismatch, "retailer_id").await;
    assert!(server.products_by_ids(&staff, "NOPE-1,MUG-2").await.is_empty());
}

#[tokio::test]
async fn staff_see_archived_products_unless_asked_not_to_and_buyers_never_list_them() {
    let server = Server::start().await;
    let staff = server.staff_token().await;
    expect_json::<Product>(server.archive_product(&staff, MUG).await, StatusCode::OK).await;
    let listed = |products: &[Product]| products.iter().any(|p| p.retailer_id == MUG);
    assert!(listed(&server.catalog(&staff, "").await));
    assert!(!listed(&server.catalog(&staff, "?include_archived=false").await));
    let (buyer, _) = server.buyer().await;
    assert!(!listed(&server.catalog(&buyer, "").await));
    assert!(!listed(&server.catalog(&buyer, "?include_archived=true").await));
    // By id the buyer still gets it, flagged, so an old card can say "no longer available".
    let by_id = server.products_by_ids(&buyer, &format!("{MUG},{VASE},NOPE-9,{MUG}")).await;
    let ids: Vec<(&str, bool)> = by_id.iter().map(|p| (p.retailer_id.as_str(), p.archived)).collect();
    assert_eq!(ids, vec![(MUG, true), (VASE, false)], "asked order, unknown absent, no duplicates");
}

#[tokio::test]
async fn products_by_ids_stay_in_the_viewers_shop_and_are_limited_to_30() {
    let server = Server::start().await;
    let (buyer, _) = server.buyer().await;
    assert!(server.products_by_ids(&buyer, "ST-JASMINE").await.is_empty(), "another shop's product is unknown here");
    let (siam_buyer, _) = server.buyer_of(SIAM).await;
    assert_eq!(server.products_by_ids(&siam_buyer, "ST-JASMINE").await.len(), 1);
    let ids: Vec<String> = (0..31).map(|i| format!("P-{i}")).collect();
    let resp = server.get(&format!("/catalog/products?ids={}", ids.join(",")), Some(&buyer)).send().await.unwrap();
    expect_invalid(resp, "ids").await;
    let resp = server.get("/catalog/products", Some(&buyer)).send().await.unwrap();
    expect_error(resp, StatusCode::BAD_REQUEST, ErrorCode::BadRequest).await;
    let resp = server.get("/catalog", None).send().await.unwrap();
    expect_error(resp, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
}

#[tokio::test]
async fn bad_products_are_refused_naming_the_field_and_nothing_is_stored() {
    let server = Server::start().await;
    let staff = server.staff_token().await;
    // A float is not money: refused while reading, the message names where.
    let mut body = product("BAD-1", "1.00");
    body["price"] = json!({"amount": 189.9, "currency": "BRL"});
    let err =
        expect_error(server.create_product(&staff, &body).await, StatusCode::BAD_REQUEST, ErrorCode::BadRequest).await;
    assert!(err.message.contains("price"), "{err:?}");
    let mut body = product("BAD-1", "1.00");
    body["price"]["currency"] = json!("XXX");
    expect_error(server.create_product(&staff, &body).await, StatusCode::BAD_REQUEST, ErrorCode::BadRequest).await;

    type Breakage = (fn(&mut Value), &'static str);
    let cases: Vec<Breakage> = vec![
        (|b| b["price"]["amount"] = json!("189.999"), "price"),
        (|b| b["price"]["amount"] = json!("0"), "price"),
        (|b| b["price"]["amount"] = json!("-5.00"), "price"),
        (|b| b["image_url"] = json!("javascript:alert(1)"), "image_url"),
        (|b| b["image_url"] = json!("http://cdn.example.com/a.png"), "image_url"),
        (|b| b["image_url"] = json!("//evil.example/a.png"), "image_url"),
        (|b| b["retailer_id"] = json!("bad sku"), "retailer_id"),
        (|b| b["title"] = json!("  "), "title"),
        (|b| b["title"] = json!("t".repeat(201)), "title"),
        (
            |b| {
                b["options"] = json!([{"name": "Size", "values": ["S", "L"]}]);
                b["variants"] = json!([
                    {"sku": "BAD-1-S", "options": {"Size": "S"}, "price": {"amount": "1.00", "currency": "BRL"}, "availability": {"status": "in_stock"}},
                    {"sku": "BAD-1-L", "options": {"Size": "L"}, "price": {"amount": "1.00", "currency": "THB"}, "availability": {"status": "in_stock"}}
                ]);
            },
            "variants[1].price",
        ),
        (
            |b| {
                b["options"] = json!([{"name": "Size", "values": ["S"]}]);
                b["variants"] = json!([{"sku": "bad sku", "options": {"Size": "S"}, "price": {"amount": "1.00", "currency": "BRL"}, "availability": {"status": "in_stock"}}]);
            },
            "variants[0].sku",
        ),
        (|b| b["options"] = json!([{"name": "Size", "values": ["S"]}]), "variants"),
    ];
    for (break_it, field) in cases {
        let mut body = product("BAD-1", "1.00");
        break_it(&mut body);
        let err = expect_invalid(server.create_product(&staff, &body).await, field).await;
        assert!(!err.message.is_empty());
    }
    // The same rules hold for an edit, which leaves the product as it was.
    let mut body = product("MUG-1", "1.00");
    expect_json::<Product>(server.create_product(&staff, &body).await, StatusCode::CREATED).await;
    body["price"]["amount"] = json!("1.001");
    expect_invalid(server.replace_product(&staff, "MUG-1", &body).await, "price").await;
    assert_eq!(server.product(&staff, "MUG-1").await.version, 1);
    assert!(server.products_by_ids(&staff, "BAD-1").await.is_empty(), "nothing stored");
}

#[tokio::test]
async fn buyers_cannot_change_the_catalog() {
    let server = Server::start().await;
    let (buyer, _) = server.buyer().await;
    let staff = server.staff_token().await;
    let before = server.product(&staff, MUG).await;
    expect_error(
        server.create_product(&buyer, &product("MUG-1", "1.00")).await,
        StatusCode::FORBIDDEN,
        ErrorCode::Forbidden,
    )
    .await;
    let mut body = as_input(&before, |b| b["price"]["amount"] = json!("1.00"));
    expect_error(server.replace_product(&buyer, MUG, &body).await, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    expect_error(server.archive_product(&buyer, MUG).await, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    body["retailer_id"] = json!("X-1");
    let resp = server.upsert(None, &json!({"products": [body]})).await;
    expect_error(resp, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    assert_eq!(server.product(&staff, MUG).await, before);
    assert!(server.products_by_ids(&staff, "MUG-1,X-1").await.is_empty());
}

#[tokio::test]
async fn staff_of_one_shop_edit_only_their_own_catalog() {
    let server = Server::start().await;
    let siam = server.siam_staff_token().await;
    let resp = server.archive_product(&siam, MUG).await;
    expect_error(resp, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    // The same SKU in another shop is another product.
    expect_json::<Product>(server.create_product(&siam, &product(MUG, "99.00")).await, StatusCode::CREATED).await;
    let staff = server.staff_token().await;
    assert_eq!(server.product(&staff, MUG).await.price.amount.to_string(), "49.90");
}

#[tokio::test]
async fn merchant_api_key_missing_or_wrong_is_401() {
    let server = Server::start().await;
    let body = json!({"products": [product("KEY-1", "10.00")]});
    for key in [None, Some("wrong"), Some("")] {
        let resp = server.upsert(key, &body).await;
        expect_error(resp, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    }
    // A staff token is not an API key.
    let staff = server.staff_token().await;
    let resp = server.http.put(server.api("/merchant/catalog")).bearer_auth(&staff).json(&body).send().await.unwrap();
    expect_error(resp, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    assert!(server.products_by_ids(&staff, "KEY-1").await.is_empty());
}

#[tokio::test]
async fn bulk_upsert_counts_created_updated_and_unchanged() {
    let server = Server::start().await;
    let staff = server.staff_token().await;
    let report: UpsertReport = expect_json(
        server.upsert(Some(API_KEY), &json!({"products": [product("UP-1", "10.00"), product("UP-2", "20.00")]})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(report, UpsertReport { created: 2, updated: 0, unchanged: 0 });
    let report: UpsertReport = expect_json(
        server
            .upsert(
                Some(API_KEY),
                &json!({"products": [product("UP-1", "12.00"), product("UP-2", "20.00"), product("UP-3", "30.00")]}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(report, UpsertReport { created: 1, updated: 1, unchanged: 1 });
    let versions: Vec<(String, i64)> = server
        .products_by_ids(&staff, "UP-1,UP-2,UP-3")
        .await
        .into_iter()
        .map(|p| (p.retailer_id, p.version))
        .collect();
    assert_eq!(versions, vec![("UP-1".into(), 2), ("UP-2".into(), 1), ("UP-3".into(), 1)]);
    // A seeded product sent back as it is stays as it is.
    let vase = server.product(&staff, VASE).await;
    let report: UpsertReport = expect_json(
        server.upsert(Some(API_KEY), &json!({"products": [as_input(&vase, |_| {})]})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(report.unchanged, 1);
    assert_eq!(server.product(&staff, VASE).await, vase);
}

#[tokio::test]
async fn bulk_upsert_is_all_or_nothing_and_names_the_index() {
    let server = Server::start().await;
    let staff = server.staff_token().await;
    let mut products: Vec<Value> = (0..4).map(|i| product(&format!("ALL-{i}"), "10.00")).collect();
    products[0]["retailer_id"] = json!(MUG);
    products[3]["price"] = json!({"amount": "10.001", "currency": "BRL"});
    let resp = server.upsert(Some(API_KEY), &json!({ "products": products })).await;
    expect_invalid(resp, "products[3].price").await;
    let mut twice = vec![product("DUP-1", "1.00"), product("DUP-1", "2.00")];
    let resp = server.upsert(Some(API_KEY), &json!({ "products": twice })).await;
    expect_invalid(resp, "products[1].retailer_id").await;
    twice.clear();
    expect_invalid(server.upsert(Some(API_KEY), &json!({ "products": twice })).await, "products").await;
    assert!(server.products_by_ids(&staff, "ALL-0,ALL-1,ALL-2,ALL-3,DUP-1").await.is_empty(), "nothing stored");
    assert_eq!(server.product(&staff, MUG).await.version, 1, "the valid update in the batch did not happen either");
}

#[tokio::test]
async fn bulk_upsert_takes_a_full_batch_and_refuses_one_more() {
    let server = Server::start().await;
    let batch: Vec<Value> = (0..MAX_UPSERT_BATCH).map(|i| product(&format!("BULK-{i:04}"), "15.00")).collect();
    let body = json!({ "products": batch });
    assert!(body.to_string().len() > talkshop_server::MAX_BODY_BYTES, "a full batch is bigger than a usual request");
    let report: UpsertReport = expect_json(server.upsert(Some(API_KEY), &body).await, StatusCode::OK).await;
    assert_eq!(report.created as usize, MAX_UPSERT_BATCH);
    let mut batch = batch;
    batch.push(product("BULK-EXTRA", "15.00"));
    expect_invalid(server.upsert(Some(API_KEY), &json!({ "products": batch })).await, "products").await;
    let staff = server.staff_token().await;
    assert!(server.products_by_ids(&staff, "BULK-EXTRA").await.is_empty());
}

#[tokio::test]
async fn catalog_changes_reach_every_socket_of_the_shop_only() {
    let server = Server::start().await;
    let staff = server.staff_token().await;
    let (buyer, _) = server.buyer().await;
    let mut buyer_ws = server.ws(&buyer).await;
    let mut staff_ws = server.ws(&staff).await;
    let siam = server.siam_staff_token().await;
    let mut siam_ws = server.ws(&siam).await;

    expect_json::<Product>(server.create_product(&staff, &product("LIVE-1", "10.00")).await, StatusCode::CREATED).await;
    for ws in [&mut buyer_ws, &mut staff_ws] {
        let products = ws.next_products_change().await;
        assert_eq!(products.iter().map(|p| p.retailer_id.as_str()).collect::<Vec<_>>(), vec!["LIVE-1"]);
    }
    expect_json::<UpsertReport>(
        server.upsert(Some(API_KEY), &json!({"products": [product("LIVE-1", "11.00")]})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(buyer_ws.next_products_change().await[0].price.amount.to_string(), "11.00");
    // The tea house heard nothing of Casa Aurora: its first catalog frame is its own change.
    expect_json::<Product>(server.create_product(&siam, &product("TEA-LIVE", "10.00")).await, StatusCode::CREATED)
        .await;
    assert_eq!(siam_ws.next_products_change().await[0].retailer_id, "TEA-LIVE");
}
