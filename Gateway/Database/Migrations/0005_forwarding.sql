-- DICOM nodes (Nodes/) and the forwarding queue (Forwarding/). Times are Unix milliseconds (UTC).

-- A known DICOM node: a modality or PACS that may send to the gateway (allowed_to_send), a destination studies can
-- be forwarded to (forward_destination), or both. When at least one node is allowed to send, the listener accepts
-- associations only from those nodes' AE titles; when none is, everyone is accepted (docs/conformance.md).
CREATE TABLE nodes (
    id                  INTEGER PRIMARY KEY,
    name                TEXT    NOT NULL,
    ae_title            TEXT    NOT NULL UNIQUE,                          -- trimmed; compared exactly, as on the wire
    host                TEXT    NOT NULL,
    port                INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
    allowed_to_send     INTEGER NOT NULL DEFAULT 0 CHECK (allowed_to_send IN (0, 1)),
    forward_destination INTEGER NOT NULL DEFAULT 0 CHECK (forward_destination IN (0, 1)),
    description         TEXT,
    last_echo_at        INTEGER,                                          -- the last C-ECHO test from the administration page
    last_echo_ok        INTEGER CHECK (last_echo_ok IN (0, 1)),
    last_echo_message   TEXT,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);

-- One study to send to one node. Written in the sealing transaction; the forwarding service sends it (at least once)
-- and retries with growing delays. While a row is queued, sending or failed, the study's data key (studies.wrapped_key)
-- and blobs are kept; once every forward of a sealed study is done or cancelled, the key is erased
-- (ForwardQueue.ReleaseIfFinishedAsync, docs/forwarding.md).
CREATE TABLE forwards (
    id              INTEGER PRIMARY KEY,
    study_id        INTEGER NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    node_id         INTEGER REFERENCES nodes (id) ON DELETE SET NULL,    -- NULL: the node was deleted (the forward fails)
    rule_id         INTEGER,
    rule_name       TEXT,
    state           TEXT    NOT NULL CHECK (state IN ('queued', 'sending', 'done', 'failed', 'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,                           -- sending attempts started
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,                                                 -- why the last attempt failed; no UIDs, names or keys
    instances_sent  INTEGER NOT NULL DEFAULT 0,                           -- acknowledged instances, in ordinal order; a retry resumes after them
    instance_count  INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    completed_at    INTEGER                                               -- when it reached done, failed or cancelled
);
-- The worker's poll: the queued rows that are due.
CREATE INDEX forwards_due ON forwards (state, next_attempt_at);
-- Per study: "is anything still pending?" before the key is erased, and the study's page.
CREATE INDEX forwards_study ON forwards (study_id, state);
-- A node cannot be deleted while a pending forward uses it.
CREATE INDEX forwards_node ON forwards (node_id, state);
