-- Photos and PDFs attached to messages: the bytes live in the file store
-- (keys `{id}` and `{id}.thumb`), their description here. `sha256` is of the
-- file as uploaded, so a retry with the same client id is told from a
-- different file. Times in Unix milliseconds.
CREATE TABLE attachments (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    uploader        TEXT NOT NULL CHECK (uploader IN ('buyer', 'merchant')),
    uploader_id     TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('image', 'pdf')),
    name            TEXT NOT NULL,
    mime            TEXT NOT NULL,
    size            INTEGER NOT NULL,
    width           INTEGER,
    height          INTEGER,
    alt             TEXT NOT NULL,
    sha256          TEXT NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX attachments_conversation ON attachments (conversation_id);
