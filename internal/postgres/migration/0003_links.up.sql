-- Signed tracking links: the token carries the id, expiry and kind; the row
-- makes a link revocable.

CREATE TABLE links (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    brand_id   BIGINT NOT NULL REFERENCES brands(id),
    order_id   BIGINT NOT NULL REFERENCES orders(id),
    kind       TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX links_order ON links (order_id);
CREATE INDEX shipments_tracking_no ON shipments (brand_id, tracking_no);
