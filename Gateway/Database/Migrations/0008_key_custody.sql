-- Key custody (docs/shipment-format.md, "What each secret opens"). Times are Unix milliseconds (UTC).

-- The gateway key's check value: HMAC-SHA256, under a subkey of the gateway key, of a fixed label (never the key).
-- A gateway started with another key finds a different value and refuses to start before it changes anything.
CREATE TABLE gateway_key (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    check_value BLOB    NOT NULL,
    recorded_at INTEGER NOT NULL
);

-- How a recipient's secrets are stored. 0: proof_hash is SHA-256(P) and server_share is Ks in clear (rows written
-- before this migration; the gateway upgrades them on start). 1: proof_hash is the unlock verifier, a MAC under the
-- gateway key, and server_share is Ks protected under the gateway key: the database alone verifies no guess.
ALTER TABLE recipients ADD COLUMN secrets_version INTEGER NOT NULL DEFAULT 0;
-- Wrong codes are counted per recipient: one recipient's link cannot lock the others out.
ALTER TABLE recipients ADD COLUMN failed_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE recipients ADD COLUMN locked_at INTEGER;

-- A delivery can be cancelled: its shipment was revoked or expired before it went out. SQLite cannot change a CHECK
-- constraint in place, so the table is rebuilt with the same columns and indexes.
ALTER TABLE deliveries RENAME TO deliveries_before_0008;
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    shipment_id     INTEGER NOT NULL REFERENCES shipments (id),
    recipient_id    INTEGER REFERENCES recipients (id),
    channel         TEXT    NOT NULL CHECK (channel IN ('email', 'sms', 'notify-email')),
    kind            TEXT    NOT NULL CHECK (kind IN ('shipment', 'code-resend', 'opened', 'expired-unopened')),
    state           TEXT    NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER,
    payload         BLOB
);
INSERT INTO deliveries (id, shipment_id, recipient_id, channel, kind, state, attempts, next_attempt_at, last_error, created_at, sent_at, payload)
    SELECT id, shipment_id, recipient_id, channel, kind, state, attempts, next_attempt_at, last_error, created_at, sent_at, payload FROM deliveries_before_0008;
DROP TABLE deliveries_before_0008;
CREATE UNIQUE INDEX deliveries_shipment_once ON deliveries (shipment_id, recipient_id, channel, kind) WHERE kind = 'shipment';
CREATE UNIQUE INDEX deliveries_sender_once ON deliveries (shipment_id, kind) WHERE channel = 'notify-email';
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);
CREATE INDEX deliveries_shipment_kind ON deliveries (shipment_id, kind, created_at);

-- Late instances (docs/routing.md, "Instances of a study already sealed"): why a study waits in the held inbox, and
-- the address each instance came from, so that a follow-up generation is compared with the study's original sender
-- instance by instance. NULL hold_reason: a study never held, or held before this migration.
ALTER TABLE studies ADD COLUMN hold_reason TEXT CHECK (hold_reason IN ('no-rule', 'rule', 'sender-changed'));
ALTER TABLE instances ADD COLUMN remote_host TEXT;
