-- Brands' webhook endpoints. Secrets are sealed with the personal-data
-- keyring (they must be read back to sign deliveries); a rotated-out
-- secret is kept, with the rotation time, for the grace period in which
-- deliveries are signed with both. Deleting an endpoint keeps its row for
-- the delivery log.

CREATE TABLE webhook_endpoints (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    brand_id        BIGINT NOT NULL REFERENCES brands(id),
    url             TEXT NOT NULL,
    events          TEXT NOT NULL, -- comma-separated event names
    secret          BYTEA NOT NULL,
    previous_secret BYTEA,
    rotated_at      TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL,
    deleted_at      TIMESTAMPTZ
);
CREATE INDEX webhook_endpoints_brand ON webhook_endpoints (brand_id) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX webhook_endpoints_url ON webhook_endpoints (brand_id, url) WHERE deleted_at IS NULL;
