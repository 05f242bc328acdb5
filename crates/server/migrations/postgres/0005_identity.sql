-- Identity verification: users the merchant vouched for (HMAC of the user id).
-- The first visitor to identify as a user owns that user's conversation; the
-- user's other devices share it. Carts stay per visitor (device).
CREATE TABLE users (
    shop_id          TEXT NOT NULL REFERENCES shops(id),
    user_id          TEXT NOT NULL,
    owner_visitor_id TEXT NOT NULL REFERENCES visitors(id),
    name             TEXT,
    email            TEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    PRIMARY KEY (shop_id, user_id)
);

ALTER TABLE visitors ADD COLUMN user_id TEXT;
