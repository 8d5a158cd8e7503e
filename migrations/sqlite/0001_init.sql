-- Upstream access tokens, shared by restarts (and, on PostgreSQL, by replicas).
CREATE TABLE upstream_tokens (
    connection    TEXT    NOT NULL,
    subject       TEXT    NOT NULL,
    access_token  TEXT    NOT NULL,
    refresh_token TEXT,
    expires_at    INTEGER NOT NULL,
    obtained_at   INTEGER NOT NULL,
    PRIMARY KEY (connection, subject)
);

-- Spaces the gateway created or was told about (WeDrive has no call that lists spaces).
CREATE TABLE known_spaces (
    connection TEXT    NOT NULL,
    space_id   TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (connection, space_id)
);

-- Resumable uploads: the session, and which parts have been received.
CREATE TABLE upload_sessions (
    id          TEXT    PRIMARY KEY,
    connection  TEXT    NOT NULL,
    space       TEXT    NOT NULL,
    parent      TEXT,
    name        TEXT    NOT NULL,
    size        INTEGER NOT NULL,
    part_size   INTEGER NOT NULL,
    on_conflict TEXT    NOT NULL,
    owner       TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX upload_sessions_expiry ON upload_sessions (expires_at);

CREATE TABLE upload_parts (
    upload_id TEXT    NOT NULL REFERENCES upload_sessions (id) ON DELETE CASCADE,
    part      INTEGER NOT NULL,
    size      INTEGER NOT NULL,
    PRIMARY KEY (upload_id, part)
);
