-- Storage commitment requests (PS3.4 Annex J) the gateway has answered with success and not yet reported
-- (docs/conformance.md, Storage Commitment). A row is deleted once its N-EVENT-REPORT is delivered; the audit trail
-- keeps that it happened.
CREATE TABLE storage_commitments (
    id             INTEGER PRIMARY KEY,
    calling_ae     TEXT    NOT NULL,   -- the requester, to whom the report goes
    called_ae      TEXT    NOT NULL,
    remote_host    TEXT,
    request        BLOB    NOT NULL,   -- Transaction UID and Referenced SOP pairs, Protect("storage-commitment", JSON)
    received_at    INTEGER NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,   -- failed deliveries on a new association
    next_attempt_at INTEGER NOT NULL DEFAULT 0   -- when the next one is due (ms since the epoch)
);
