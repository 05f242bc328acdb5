CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE shops (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE staff (
    id            TEXT PRIMARY KEY,
    shop_id       TEXT NOT NULL REFERENCES shops(id),
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL
);

CREATE TABLE visitors (
    id         TEXT PRIMARY KEY,
    shop_id    TEXT NOT NULL REFERENCES shops(id),
    device_id  TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE conversations (
    id                TEXT PRIMARY KEY,
    shop_id           TEXT NOT NULL REFERENCES shops(id),
    visitor_id        TEXT NOT NULL REFERENCES visitors(id),
    last_seq          BIGINT NOT NULL DEFAULT 0,
    buyer_read_seq    BIGINT NOT NULL DEFAULT 0,
    merchant_read_seq BIGINT NOT NULL DEFAULT 0,
    created_at        BIGINT NOT NULL,
    last_activity     BIGINT NOT NULL,
    UNIQUE (shop_id, visitor_id)
);
CREATE INDEX conversations_inbox ON conversations (shop_id, last_activity DESC);

CREATE TABLE messages (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    seq             BIGINT NOT NULL,
    sender          TEXT NOT NULL CHECK (sender IN ('buyer', 'merchant')),
    client_id       TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    UNIQUE (conversation_id, seq),
    UNIQUE (conversation_id, sender, client_id)
);
