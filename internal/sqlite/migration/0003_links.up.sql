-- Signed tracking links: the token carries the id, expiry and kind; the row
-- makes a link revocable.

CREATE TABLE links (
    id         INTEGER PRIMARY KEY,
    brand_id   INTEGER NOT NULL REFERENCES brands(id),
    order_id   INTEGER NOT NULL REFERENCES orders(id),
    kind       TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX links_order ON links (order_id);
CREATE INDEX shipments_tracking_no ON shipments (brand_id, tracking_no);
