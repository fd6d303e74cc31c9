-- Carrier accounts, compliance, carrier-code corrections, and the
-- subscription and polling state of parcels.

CREATE TABLE carrier_accounts (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    brand_id        BIGINT NOT NULL REFERENCES brands(id),
    provider        TEXT NOT NULL,
    credentials     BYTEA NOT NULL,
    base_url        TEXT NOT NULL,
    rate_per_minute INTEGER NOT NULL,
    callback_token  BYTEA NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (brand_id, provider)
);

CREATE TABLE carrier_compliance (
    brand_id              BIGINT NOT NULL REFERENCES brands(id),
    carrier               TEXT NOT NULL,
    alcohol               BOOLEAN NOT NULL,
    fragile               BOOLEAN NOT NULL,
    cold_chain            BOOLEAN NOT NULL,
    qualification_expires TEXT,
    updated_at            TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (brand_id, carrier)
);

CREATE TABLE carrier_corrections (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shipment_id BIGINT NOT NULL REFERENCES shipments(id),
    old_carrier TEXT NOT NULL,
    new_carrier TEXT NOT NULL,
    reason      TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

ALTER TABLE shipments ADD COLUMN provider TEXT NOT NULL DEFAULT '';
ALTER TABLE shipments ADD COLUMN tracking_state TEXT NOT NULL DEFAULT 'none';
ALTER TABLE shipments ADD COLUMN tracking_note TEXT NOT NULL DEFAULT '';
ALTER TABLE shipments ADD COLUMN next_poll_at TIMESTAMPTZ;
CREATE INDEX shipments_next_poll ON shipments (next_poll_at) WHERE next_poll_at IS NOT NULL;
