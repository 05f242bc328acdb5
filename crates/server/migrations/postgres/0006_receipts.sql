-- Delivered receipts: each party's clients received every message up to this seq.
-- Like the read marks, they never go down; a read mark implies delivery.
ALTER TABLE conversations ADD COLUMN buyer_delivered_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN merchant_delivered_seq BIGINT NOT NULL DEFAULT 0;
UPDATE conversations SET buyer_delivered_seq = buyer_read_seq, merchant_delivered_seq = merchant_read_seq;
