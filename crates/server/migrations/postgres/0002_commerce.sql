-- Catalog: one row per product, the protocol `Product` as JSON.
CREATE TABLE products (
    shop_id     TEXT NOT NULL REFERENCES shops(id),
    retailer_id TEXT NOT NULL,
    data        TEXT NOT NULL,
    version     BIGINT NOT NULL,
    archived    BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (shop_id, retailer_id)
);

-- Merchant API keys, stored as SHA-256 hex digests.
CREATE TABLE api_keys (
    key_hash   TEXT PRIMARY KEY,
    shop_id    TEXT NOT NULL REFERENCES shops(id),
    created_at BIGINT NOT NULL
);

-- One cart per buyer, device and shop; the protocol `Cart` as JSON.
CREATE TABLE carts (
    id         TEXT PRIMARY KEY,
    shop_id    TEXT NOT NULL REFERENCES shops(id),
    visitor_id TEXT NOT NULL REFERENCES visitors(id),
    device_id  TEXT NOT NULL,
    data       TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (shop_id, visitor_id, device_id)
);

-- Which carts hold which products, to notify them when a product changes.
CREATE TABLE cart_products (
    cart_id     TEXT NOT NULL REFERENCES carts(id),
    shop_id     TEXT NOT NULL,
    retailer_id TEXT NOT NULL,
    PRIMARY KEY (cart_id, retailer_id)
);
CREATE INDEX cart_products_by_product ON cart_products (shop_id, retailer_id);

-- Purchase requests; the protocol `Order` as JSON.
CREATE TABLE orders (
    id              TEXT PRIMARY KEY,
    shop_id         TEXT NOT NULL REFERENCES shops(id),
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    visitor_id      TEXT NOT NULL,
    data            TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX orders_by_shop ON orders (shop_id, created_at DESC);
CREATE INDEX orders_by_visitor ON orders (visitor_id, created_at DESC);
