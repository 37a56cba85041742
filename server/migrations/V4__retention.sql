-- The periodic cleanup (server/src/retention.rs) finds expired rows by these.
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
CREATE INDEX refresh_tokens_expires_at ON refresh_tokens (expires_at);
