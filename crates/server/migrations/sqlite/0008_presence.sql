-- Staff presence: one row per open console socket, refreshed by its node
-- every presence beat (Unix milliseconds). A row not refreshed for two beats
-- belongs to a node that stopped: it counts as gone and any node deletes it.
CREATE TABLE staff_presence (
    socket_id TEXT PRIMARY KEY,
    node      TEXT NOT NULL,
    shop_id   TEXT NOT NULL,
    staff_id  TEXT NOT NULL,
    state     TEXT NOT NULL CHECK (state IN ('online', 'away')),
    last_seen INTEGER NOT NULL
);
CREATE INDEX staff_presence_shop ON staff_presence (shop_id, last_seen);

-- Where a buyer may be answered by e-mail, given outside business hours,
-- with when they consented. One per conversation; the buyer may replace it.
CREATE TABLE buyer_emails (
    conversation_id TEXT PRIMARY KEY REFERENCES conversations(id),
    email           TEXT NOT NULL,
    consented_at    INTEGER NOT NULL
);
