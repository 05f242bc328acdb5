//! Helpers for the commerce suites: products, carts, product messages and orders.

use reqwest::{Response, StatusCode};
use serde_json::{json, Value};
use talkshop_protocol::catalog::CatalogPage;
use talkshop_protocol::order::OrderList;
use talkshop_protocol::{Cart, Product, ServerFrame, StaffSession, VisitorSession};

use super::{expect_json, unique, Server, Ws, STAFF_PASSWORD};

/// The demo shop's merchant API key in `Config::for_tests`.
pub const API_KEY: &str = "test-api-key";
pub const SIAM: &str = "siam";
pub const SIAM_STAFF_EMAIL: &str = "staff@siam.talkshop.test";

/// A seeded Casa Aurora product: R$ 189,00, 3 in stock.
pub const VASE: &str = "CA-VASE-TERRA";
/// A seeded Casa Aurora product: R$ 49,90, in stock.
pub const MUG: &str = "CA-MUG-CAFE";

/// A product body for the staff and merchant APIs, in BRL.
pub fn product(sku: &str, price: &str) -> Value {
    json!({
        "retailer_id": sku,
        "title": format!("Product {sku}"),
        "description": "Made for the tests",
        "image_url": format!("/catalog-images/demo/{sku}.svg"),
        "price": {"amount": price, "currency": "BRL"},
        "availability": {"status": "in_stock"}
    })
}

/// A seeded product as a body for `PUT`, with a change applied.
pub fn as_input(product: &Product, change: impl FnOnce(&mut Value)) -> Value {
    let mut body = json!({
        "retailer_id": product.retailer_id,
        "title": product.title,
        "description": product.description,
        "image_url": product.image_url,
        "price": product.price,
        "availability": product.availability,
        "options": product.options,
        "variants": product.variants,
    });
    change(&mut body);
    body
}

impl Server {
    pub async fn create_product(&self, staff: &str, body: &Value) -> Response {
        self.post("/catalog/products", Some(staff)).json(body).send().await.expect("POST product")
    }

    pub async fn replace_product(&self, staff: &str, sku: &str, body: &Value) -> Response {
        self.put(&format!("/catalog/products/{sku}"), Some(staff)).json(body).send().await.expect("PUT product")
    }

    pub async fn archive_product(&self, staff: &str, sku: &str) -> Response {
        self.post(&format!("/catalog/products/{sku}/archive"), Some(staff)).send().await.expect("POST archive")
    }

    /// `GET /catalog/products?ids=…`, expecting 200.
    pub async fn products_by_ids(&self, token: &str, ids: &str) -> Vec<Product> {
        let resp = self.get(&format!("/catalog/products?ids={ids}"), Some(token)).send().await.expect("GET products");
        expect_json::<CatalogPage>(resp, StatusCode::OK).await.products
    }

    /// One product by SKU as staff see it.
    pub async fn product(&self, staff: &str, sku: &str) -> Product {
        let mut found = self.products_by_ids(staff, sku).await;
        assert_eq!(found.len(), 1, "product {sku} exists");
        found.remove(0)
    }

    /// `GET /catalog` with an optional query, expecting 200.
    pub async fn catalog(&self, token: &str, query: &str) -> Vec<Product> {
        let resp = self.get(&format!("/catalog{query}"), Some(token)).send().await.expect("GET catalog");
        expect_json::<CatalogPage>(resp, StatusCode::OK).await.products
    }

    /// `PUT /merchant/catalog` with `X-Api-Key` when given.
    pub async fn upsert(&self, key: Option<&str>, body: &Value) -> Response {
        let mut req = self.http.put(self.api("/merchant/catalog")).json(body);
        if let Some(key) = key {
            req = req.header("X-Api-Key", key);
        }
        req.send().await.expect("PUT merchant catalog")
    }

    pub async fn add_to_cart(&self, buyer: &str, body: Value) -> Response {
        self.post("/cart/lines", Some(buyer)).json(&body).send().await.expect("POST cart line")
    }

    /// Adds a product without variants and expects the cart back.
    pub async fn added(&self, buyer: &str, sku: &str, quantity: u32) -> Cart {
        let resp = self.add_to_cart(buyer, json!({"retailer_id": sku, "quantity": quantity})).await;
        expect_json(resp, StatusCode::OK).await
    }

    pub async fn set_quantity(&self, buyer: &str, line: &str, quantity: Value) -> Response {
        self.patch(&format!("/cart/lines/{line}"), Some(buyer))
            .json(&json!({ "quantity": quantity }))
            .send()
            .await
            .expect("PATCH cart line")
    }

    pub async fn cart(&self, buyer: &str) -> Cart {
        expect_json(self.get("/cart", Some(buyer)).send().await.expect("GET cart"), StatusCode::OK).await
    }

    pub async fn acknowledge(&self, buyer: &str) -> Cart {
        let resp = self.post("/cart/acknowledge", Some(buyer)).send().await.expect("POST acknowledge");
        expect_json(resp, StatusCode::OK).await
    }

    /// `POST /conversations/{id}/products` with a fresh client id.
    pub async fn send_products(&self, token: &str, conversation: &str, message: Value) -> Response {
        self.send_products_as(token, conversation, &unique("p"), message).await
    }

    pub async fn send_products_as(&self, token: &str, conversation: &str, client_id: &str, message: Value) -> Response {
        self.post(&format!("/conversations/{conversation}/products"), Some(token))
            .json(&json!({"client_id": client_id, "message": message}))
            .send()
            .await
            .expect("POST products")
    }

    /// `POST /conversations/{id}/order`, picked up at the shop (the demo shops offer pickup).
    pub async fn order(&self, buyer: &str, conversation: &str, client_id: &str) -> Response {
        self.order_with(buyer, conversation, &pickup_order(client_id)).await
    }

    /// `POST /conversations/{id}/order` with this body.
    pub async fn order_with(&self, buyer: &str, conversation: &str, body: &Value) -> Response {
        self.post(&format!("/conversations/{conversation}/order"), Some(buyer))
            .json(body)
            .send()
            .await
            .expect("POST order")
    }

    pub async fn orders(&self, token: &str) -> OrderList {
        expect_json(self.get("/orders", Some(token)).send().await.expect("GET orders"), StatusCode::OK).await
    }

    pub async fn siam_staff_token(&self) -> String {
        let resp = self
            .post("/console/login", None)
            .json(&json!({"email": SIAM_STAFF_EMAIL, "password": STAFF_PASSWORD}))
            .send()
            .await
            .expect("POST /console/login");
        expect_json::<StaffSession>(resp, StatusCode::OK).await.token
    }

    /// A visitor of any shop: (token, conversation id).
    pub async fn buyer_of(&self, shop: &str) -> (String, String) {
        let resp = self
            .post("/visitors", None)
            .json(&json!({"shop": shop, "device_id": unique("device")}))
            .send()
            .await
            .expect("POST /visitors");
        let visitor: VisitorSession = expect_json(resp, StatusCode::CREATED).await;
        let conversation = self.open_conversation(&visitor.token).await;
        (visitor.token, conversation.id)
    }
}

impl Ws {
    /// The next `cart_changed` frame, skipping others.
    pub async fn next_cart_change(&mut self) -> Cart {
        loop {
            if let ServerFrame::CartChanged { cart } = self.next_frame().await {
                return cart;
            }
        }
    }

    /// The next `products_changed` frame, skipping others.
    pub async fn next_products_change(&mut self) -> Vec<Product> {
        loop {
            if let ServerFrame::ProductsChanged { products } = self.next_frame().await {
                return products;
            }
        }
    }
}

/// A buyer's contact details that pass every rule.
pub fn contact() -> Value {
    json!({"name": "Maria Silva", "phone": "+55 11 98765-4321", "email": "maria@example.com"})
}

/// An order body picked up at the shop.
pub fn pickup_order(client_id: &str) -> Value {
    json!({"client_id": client_id, "contact": contact(), "fulfilment": {"method": "pickup"}})
}

/// A Brazilian address (CEP without its dash, lower-case UF: the server normalizes both).
pub fn br_address() -> Value {
    json!({"country": "BR", "line1": "Av. Paulista, 1000", "district": "Bela Vista", "city": "São Paulo",
           "state": "sp", "postal_code": "01310100"})
}

/// An order body shipped with `option` to `address`.
pub fn shipped_order(client_id: &str, address: Value, option: &str) -> Value {
    json!({"client_id": client_id, "contact": contact(),
           "fulfilment": {"method": "ship", "address": address, "option_id": option}})
}
