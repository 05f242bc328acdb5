-- Live events too large for a NOTIFY payload (8000 bytes): the notification
-- carries the row id and every node reads the event from here. Rows are
-- deleted after a few minutes; no node needs them after delivery.
CREATE TABLE live_events (
    id         BIGSERIAL PRIMARY KEY,
    payload    TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX live_events_by_age ON live_events (created_at);
