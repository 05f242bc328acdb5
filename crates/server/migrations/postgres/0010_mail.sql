-- E-mail: a queue of outgoing mails (one row per mail; dedupe_key makes
-- "one mail per conversation per unread burst" a unique constraint, so two
-- nodes never queue it twice), addresses that unsubscribed per shop, and the
-- single-use links that reopen a conversation from a mail. Times in Unix ms.
CREATE TABLE mail_outbox (
    id              TEXT PRIMARY KEY,
    shop_id         TEXT NOT NULL,
    dedupe_key      TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL,
    to_addr         TEXT NOT NULL,
    subject         TEXT NOT NULL,
    text_body       TEXT NOT NULL,
    html_body       TEXT NOT NULL,
    unsubscribe_url TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT,
    next_attempt_at BIGINT NOT NULL,
    give_up_at      BIGINT NOT NULL,
    lease_until     BIGINT,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT
);
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at);

CREATE TABLE mail_optouts (
    shop_id    TEXT NOT NULL,
    address    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (shop_id, address)
);

CREATE TABLE resume_links (
    token_hash      TEXT PRIMARY KEY,
    shop_id         TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    principal       TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    used_at         BIGINT
);

-- Addresses that confirmed they want a shop's chat mail (double opt-in: an
-- address a buyer typed, or gave through identify, is not trusted until then).
CREATE TABLE mail_confirmed (
    shop_id    TEXT NOT NULL,
    address    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (shop_id, address)
);

-- The read position each side's unread burst was last handled at (mailed, or
-- nobody to mail): the scan looks only at conversations whose read position moved.
ALTER TABLE conversations ADD COLUMN staff_mailed_seq BIGINT NOT NULL DEFAULT -1;
ALTER TABLE conversations ADD COLUMN buyer_mailed_seq BIGINT NOT NULL DEFAULT -1;
CREATE INDEX conversations_activity ON conversations (last_activity);
CREATE INDEX users_owner ON users (shop_id, owner_visitor_id);
