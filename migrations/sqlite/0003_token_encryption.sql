-- Upstream tokens encrypted at rest (src/store/crypto.rs): the id of the key that sealed a
-- row's access_token and refresh_token. NULL: a row written before encryption, in plain text
-- (still readable; sealed at its next write).
ALTER TABLE upstream_tokens ADD COLUMN key_id TEXT;
