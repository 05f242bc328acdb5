-- Signed webhooks to merchants' backends: endpoints (the signing secret is
-- kept as is: the server signs with it) and a queue of deliveries, one row per
-- event and endpoint. Times in Unix milliseconds. A node claims a due delivery
-- by setting lease_until (compare and set), so two nodes never send it at once.
CREATE TABLE webhook_endpoints (
    id         TEXT PRIMARY KEY,
    shop_id    TEXT NOT NULL REFERENCES shops(id),
    url        TEXT NOT NULL,
    events     TEXT NOT NULL,
    secret     TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX webhook_endpoints_shop ON webhook_endpoints (shop_id);

CREATE TABLE webhook_deliveries (
    id               TEXT PRIMARY KEY,
    shop_id          TEXT NOT NULL,
    endpoint_id      TEXT NOT NULL,
    event_id         TEXT NOT NULL,
    event            TEXT NOT NULL,
    payload          TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         BIGINT NOT NULL DEFAULT 0,
    last_status_code BIGINT,
    last_error       TEXT,
    next_attempt_at  BIGINT NOT NULL,
    give_up_at       BIGINT NOT NULL,
    lease_until      BIGINT,
    created_at       BIGINT NOT NULL,
    delivered_at     BIGINT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (shop_id, endpoint_id, created_at);
