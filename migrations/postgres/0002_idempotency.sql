-- Resumable uploads complete once: `complete` claims the session (state `completing`, with the
-- claim's time so a claim left by a crashed replica can be taken over), then records the answer
-- (state `completed`, `result` = the UploadResult JSON) that later `complete` calls replay.
ALTER TABLE upload_sessions ADD COLUMN state TEXT NOT NULL DEFAULT 'open';
ALTER TABLE upload_sessions ADD COLUMN claimed_at BIGINT;
ALTER TABLE upload_sessions ADD COLUMN result TEXT;

-- Idempotency-Key answers (src/idempotency.rs), per caller `sub` and connection (`scope`), kept
-- 24 h. `status` NULL: the first request is still running.
CREATE TABLE idempotency_keys (
    scope       TEXT   NOT NULL,
    key         TEXT   NOT NULL,
    fingerprint TEXT   NOT NULL,
    status      BIGINT,
    headers     TEXT,
    body        BYTEA,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
