-- Carrier accounts, compliance, carrier-code corrections, and the
-- subscription and polling state of parcels.

CREATE TABLE carrier_accounts (
    id              INTEGER PRIMARY KEY,
    brand_id        INTEGER NOT NULL REFERENCES brands(id),
    provider        TEXT NOT NULL,
    credentials     BLOB NOT NULL,
    base_url        TEXT NOT NULL,
    rate_per_minute INTEGER NOT NULL,
    callback_token  BLOB NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (brand_id, provider)
);

CREATE TABLE carrier_compliance (
    brand_id              INTEGER NOT NULL REFERENCES brands(id),
    carrier               TEXT NOT NULL,
    alcohol               INTEGER NOT NULL,
    fragile               INTEGER NOT NULL,
    cold_chain            INTEGER NOT NULL,
    qualification_expires TEXT,
    updated_at            TEXT NOT NULL,
    PRIMARY KEY (brand_id, carrier)
);

CREATE TABLE carrier_corrections (
    id          INTEGER PRIMARY KEY,
    shipment_id INTEGER NOT NULL REFERENCES shipments(id),
    old_carrier TEXT NOT NULL,
    new_carrier TEXT NOT NULL,
    reason      TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

ALTER TABLE shipments ADD COLUMN provider TEXT NOT NULL DEFAULT '';
ALTER TABLE shipments ADD COLUMN tracking_state TEXT NOT NULL DEFAULT 'none';
ALTER TABLE shipments ADD COLUMN tracking_note TEXT NOT NULL DEFAULT '';
ALTER TABLE shipments ADD COLUMN next_poll_at TEXT;
CREATE INDEX shipments_next_poll ON shipments (next_poll_at) WHERE next_poll_at IS NOT NULL;
