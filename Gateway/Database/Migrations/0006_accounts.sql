-- Administration accounts and API keys (Administration/). Times are Unix milliseconds (UTC).

-- A person who signs in to /admin and /api: a local password (ASP.NET Core Identity's hasher, PBKDF2) or, when
-- OpenID Connect is configured, the hospital's identity provider (password_hash NULL).
CREATE TABLE accounts (
    id                   INTEGER PRIMARY KEY,
    username             TEXT    NOT NULL COLLATE NOCASE UNIQUE,
    display_name         TEXT    NOT NULL,
    password_hash        TEXT,
    roles                TEXT    NOT NULL,                     -- comma-separated: administrator, operator, auditor
    disabled             INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    must_change_password INTEGER NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1)),
    failed_count         INTEGER NOT NULL DEFAULT 0,           -- wrong passwords since the last success or lockout
    locked_until         INTEGER,
    last_sign_in_at      INTEGER,
    security_stamp       TEXT    NOT NULL,                     -- changes with the password, roles or disabling: ends other sessions
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
);

-- A key for a hospital system: "dgw_" + base64url of 32 random bytes. Only its SHA-256 is stored (a 256-bit random
-- secret needs no slow hash); the prefix identifies it in lists.
CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL,
    role         TEXT    NOT NULL CHECK (role IN ('administrator', 'operator', 'auditor')),
    prefix       TEXT    NOT NULL,
    key_hash     BLOB    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    created_by   TEXT    NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
