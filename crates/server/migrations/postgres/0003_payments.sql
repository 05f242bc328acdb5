-- Payment requests: the protocol `PaymentRequest` as JSON; `version` guards
-- every state change (compare and swap), so two payers cannot both win.
CREATE TABLE payment_requests (
    id              TEXT PRIMARY KEY,
    shop_id         TEXT NOT NULL REFERENCES shops(id),
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    visitor_id      TEXT NOT NULL,
    order_id        TEXT,
    state           TEXT NOT NULL,
    data            TEXT NOT NULL,
    version         BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX payment_requests_by_shop ON payment_requests (shop_id, updated_at DESC);

-- Idempotency keys of mutating calls: the first answer is kept and replayed.
CREATE TABLE idempotency_keys (
    scope        TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       BIGINT,
    response     TEXT,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (scope, key)
);
