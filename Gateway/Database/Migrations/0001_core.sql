-- Core index: studies as received, their encrypted instances, shipments, recipients and the audit trail.
-- Times are Unix milliseconds (UTC). Identifiers that come from the DICOM data (UIDs, patient ID) are stored
-- only as keyed hashes (HMAC under a subkey of the gateway key): enough to group, deduplicate and answer
-- "to whom was this patient's data disclosed", not enough to read anything.

-- A study as the gateway receives it. One row per shipment generation: instances of a study that arrive after
-- it was sealed start a new row (generation + 1), a follow-up that the routing rules decide on again.
CREATE TABLE studies (
    id                INTEGER PRIMARY KEY,
    study_key         BLOB    NOT NULL,             -- keyed hash of Study Instance UID
    generation        INTEGER NOT NULL DEFAULT 0,
    state             TEXT    NOT NULL CHECK (state IN ('receiving', 'held', 'sealed', 'erased')),
    wrapped_key       BLOB,                         -- the data key under the gateway key; NULL once sealed or erased
    manifest_blob     TEXT,                         -- blob (ordinal 0) holding the encrypted study metadata, once sealed
    calling_ae        TEXT    NOT NULL,
    called_ae         TEXT    NOT NULL,
    remote_host       TEXT,
    patient_ref       BLOB,                         -- keyed hash of Patient ID
    instance_count    INTEGER NOT NULL DEFAULT 0,
    total_bytes       INTEGER NOT NULL DEFAULT 0,   -- plaintext bytes of all instances
    first_received_at INTEGER NOT NULL,
    last_received_at  INTEGER NOT NULL,
    sealed_at         INTEGER,
    erased_at         INTEGER,
    UNIQUE (study_key, generation)
);
-- At most one study per Study Instance UID can still take instances.
CREATE UNIQUE INDEX studies_open ON studies (study_key) WHERE state IN ('receiving', 'held');
CREATE INDEX studies_state ON studies (state, last_received_at);

-- One encrypted instance. The blob file is data/blobs/<blob>; its ciphertext follows docs/shipment-format.md.
CREATE TABLE instances (
    id                INTEGER PRIMARY KEY,
    study_id          INTEGER NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    instance_key      BLOB    NOT NULL UNIQUE,      -- keyed hash of SOP Instance UID
    content_hash      BLOB    NOT NULL,             -- keyed hash of the data set bytes as received
    ordinal           INTEGER NOT NULL,
    blob              TEXT    NOT NULL UNIQUE,
    plaintext_length  INTEGER NOT NULL,
    ciphertext_length INTEGER NOT NULL,
    summary           BLOB,                         -- manifest entry, encrypted under the study's data key; NULL once sealed
    calling_ae        TEXT    NOT NULL,
    received_at       INTEGER NOT NULL,
    UNIQUE (study_id, ordinal)
);

-- A sealed study addressed to recipients by one routing rule. Several shipments may share one study's blobs.
CREATE TABLE shipments (
    id               INTEGER PRIMARY KEY,
    reference        TEXT    NOT NULL UNIQUE,       -- short, human-readable, carries nothing about the patient
    study_id         INTEGER NOT NULL REFERENCES studies (id),
    rule_id          INTEGER,
    rule_name        TEXT,
    state            TEXT    NOT NULL CHECK (state IN ('active', 'locked', 'revoked', 'expired', 'exhausted', 'erased')),
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    expiry_days      INTEGER NOT NULL DEFAULT 7,            -- as the rule (or the administrator) said
    max_downloads    INTEGER,                       -- NULL: no limit
    download_count   INTEGER NOT NULL DEFAULT 0,
    failed_attempts  INTEGER NOT NULL DEFAULT 0,
    locked_at        INTEGER,
    revoked_at       INTEGER,
    ended_at         INTEGER,                       -- when the shipment stopped being openable (any reason)
    keys_erased_at   INTEGER,
    notify_email     TEXT,                          -- the sender side's address for "opened" / "expired unopened"
    sender_name      TEXT,                          -- shown to the recipient as who sent it
    sender_organisation TEXT
);
CREATE INDEX shipments_state ON shipments (state, expires_at);
CREATE INDEX shipments_study ON shipments (study_id);

-- One recipient of a shipment: their link token, proof and key share. Never E (it exists only in the link).
CREATE TABLE recipients (
    id              INTEGER PRIMARY KEY,
    shipment_id     INTEGER NOT NULL REFERENCES shipments (id),
    email           TEXT,
    phone           TEXT,
    language        TEXT    NOT NULL,
    token_hash      BLOB    NOT NULL UNIQUE,        -- SHA-256 of the link token T
    proof_hash      BLOB,                           -- SHA-256 of the unlock proof; NULL once keys are erased
    server_share    BLOB,                           -- Ks; NULL once keys are erased
    wrapped_key     BLOB,                           -- the data key under KEK(E, S, Ks); NULL once keys are erased
    code            BLOB,                           -- S under the gateway key, for "send the code again"; NULL once erased
    first_opened_at INTEGER,
    open_count      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX recipients_shipment ON recipients (shipment_id);

-- The audit trail (PS3.15 A.5 vocabulary): append-only.
CREATE TABLE audit_events (
    id            INTEGER PRIMARY KEY,
    occurred_at   INTEGER NOT NULL,
    event_id      TEXT    NOT NULL,                 -- DCM code, e.g. 110104 (DICOM Instances Transferred)
    event_type    TEXT,                             -- DCM code of the event type, if any
    action        TEXT    NOT NULL CHECK (action IN ('C', 'R', 'U', 'D', 'E')),
    outcome       INTEGER NOT NULL CHECK (outcome IN (0, 4, 8, 12)),
    actor_kind    TEXT    NOT NULL,                 -- 'node', 'recipient', 'administrator', 'gateway'
    actor         TEXT    NOT NULL,
    actor_address TEXT,
    study_id      INTEGER,
    shipment_id   INTEGER,
    recipient_id  INTEGER,
    patient_ref   BLOB,
    detail        TEXT                              -- JSON: what was disclosed, counts, reasons; never secrets or names
);
CREATE INDEX audit_time ON audit_events (occurred_at);
CREATE INDEX audit_patient ON audit_events (patient_ref);
CREATE INDEX audit_shipment ON audit_events (shipment_id);
