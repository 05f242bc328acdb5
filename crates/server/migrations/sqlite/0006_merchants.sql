-- Merchants run their own shops: settings and receiving accounts (protocol JSON;
-- NULL = the server's defaults), staff roles, invitations, named API keys, audit log.
ALTER TABLE shops ADD COLUMN settings TEXT;
ALTER TABLE shops ADD COLUMN receiving TEXT;
ALTER TABLE shops ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;

ALTER TABLE staff ADD COLUMN role TEXT NOT NULL DEFAULT 'owner' CHECK (role IN ('owner', 'agent'));
CREATE INDEX staff_shop ON staff (shop_id);

CREATE TABLE invites (
    id         TEXT PRIMARY KEY,
    shop_id    TEXT NOT NULL REFERENCES shops(id),
    email      TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('owner', 'agent')),
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX invites_shop ON invites (shop_id);

ALTER TABLE api_keys ADD COLUMN id TEXT;
ALTER TABLE api_keys ADD COLUMN name TEXT NOT NULL DEFAULT 'API key';
ALTER TABLE api_keys ADD COLUMN prefix TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN last_used_at INTEGER;
UPDATE api_keys SET id = substr(key_hash, 1, 16) WHERE id IS NULL;

CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    shop_id TEXT NOT NULL,
    at      INTEGER NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    detail  TEXT NOT NULL
);
CREATE INDEX audit_log_shop ON audit_log (shop_id, id DESC);
