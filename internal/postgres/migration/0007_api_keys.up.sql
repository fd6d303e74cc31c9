-- API keys as the console's settings manage them (docs/ARCHITECTURE.md §10): a name
-- saying what uses the key, its last four characters to recognise it by,
-- who made it, and when it was last used (written at most once a minute
-- by the API's authentication). A brand's first key, made with the brand,
-- has no name and no maker.

ALTER TABLE api_keys ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN hint TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN last_used_at TIMESTAMPTZ;
CREATE INDEX api_keys_brand ON api_keys (brand_id, id);
