-- Notification outbox: one row per message to send (an e-mail or SMS to a recipient, an e-mail to the sender side).
-- Rows are written in the same transaction as the event they announce (a shipment sealed, a code asked for again),
-- and a background dispatcher sends them: at least once, retried with backoff, never lost by a crash.
-- Times are Unix milliseconds (UTC).
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    shipment_id     INTEGER NOT NULL REFERENCES shipments (id),
    recipient_id    INTEGER REFERENCES recipients (id),           -- NULL for the sender side ('notify-email')
    channel         TEXT    NOT NULL CHECK (channel IN ('email', 'sms', 'notify-email')),
    kind            TEXT    NOT NULL CHECK (kind IN ('shipment', 'code-resend', 'opened', 'expired-unopened')),
    state           TEXT    NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,                   -- sending attempts started
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,                                         -- why the last attempt failed; never a link, token or code
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER,
    -- What the message is made from (JSON), under the gateway key (purpose "notification"): it holds the link or
    -- the SMS code. Set to NULL once the row is sent or has failed for good; secure_delete overwrites the bytes.
    payload         BLOB
);
-- A shipment is announced once per recipient and channel, however often the sealing code asks.
CREATE UNIQUE INDEX deliveries_shipment_once ON deliveries (shipment_id, recipient_id, channel, kind) WHERE kind = 'shipment';
-- The sender side hears "opened" / "expired unopened" once per shipment (recipient_id is NULL there, and NULLs
-- never collide in a UNIQUE index, so this one leaves it out).
CREATE UNIQUE INDEX deliveries_sender_once ON deliveries (shipment_id, kind) WHERE channel = 'notify-email';
-- The dispatcher's poll.
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);
-- The resend rate limit: code-resend rows of a shipment in the last hour.
CREATE INDEX deliveries_shipment_kind ON deliveries (shipment_id, kind, created_at);
