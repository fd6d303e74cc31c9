-- Core schema: brands, catalogue, orders, production, parcels, tracking.
-- Instants are TIMESTAMPTZ; civil dates are 'YYYY-MM-DD' text in China time,
-- as in the SQLite schema. Personal data columns
-- hold AES-GCM ciphertexts; *_hash columns hold keyed hashes for look-ups.

CREATE TABLE brands (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE api_keys (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    brand_id     BIGINT NOT NULL REFERENCES brands(id),
    key_hash     BYTEA NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL,
    revoked_at   TIMESTAMPTZ
);

CREATE TABLE skus (
    id                    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    brand_id              BIGINT NOT NULL REFERENCES brands(id),
    code                  TEXT NOT NULL,
    name                  TEXT NOT NULL,
    fragile               BOOLEAN NOT NULL,
    alcohol               BOOLEAN NOT NULL,
    temperature_sensitive BOOLEAN NOT NULL,
    max_temp_c            DOUBLE PRECISION,
    lead_min_days         INTEGER NOT NULL,
    lead_max_days         INTEGER NOT NULL,
    created_at            TIMESTAMPTZ NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL,
    UNIQUE (brand_id, code)
);

CREATE TABLE orders (
    id                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    brand_id             BIGINT NOT NULL REFERENCES brands(id),
    order_no             TEXT NOT NULL,
    customer_name        BYTEA NOT NULL,
    customer_phone       BYTEA NOT NULL,
    customer_name_hash   BYTEA NOT NULL,
    customer_phone_hash  BYTEA NOT NULL,
    customer_last4_hash  BYTEA NOT NULL,
    recipient_name       BYTEA,
    recipient_phone      BYTEA,
    recipient_name_hash  BYTEA,
    recipient_phone_hash BYTEA,
    recipient_last4_hash BYTEA,
    province             TEXT NOT NULL,
    province_code        TEXT NOT NULL,
    city                 TEXT NOT NULL,
    district             TEXT NOT NULL,
    address_detail       BYTEA NOT NULL,
    occasion_kind        TEXT,
    occasion_date        TEXT,
    promised_ship_by     TEXT,
    promised_delivery_by TEXT,
    cancelled_at         TIMESTAMPTZ,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL,
    UNIQUE (brand_id, order_no)
);
CREATE INDEX orders_customer_phone ON orders (brand_id, customer_phone_hash);
CREATE INDEX orders_recipient_phone ON orders (brand_id, recipient_phone_hash);
CREATE INDEX orders_updated ON orders (brand_id, updated_at);

CREATE TABLE order_items (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    brand_id       BIGINT NOT NULL REFERENCES brands(id),
    order_id       BIGINT NOT NULL REFERENCES orders(id),
    line           INTEGER NOT NULL,
    sku            TEXT NOT NULL,
    quantity       INTEGER NOT NULL CHECK (quantity > 0),
    customization  TEXT NOT NULL,
    batch_no       TEXT,
    unit_price_fen BIGINT,
    UNIQUE (order_id, line)
);
CREATE INDEX order_items_batch ON order_items (brand_id, batch_no);

CREATE TABLE batches (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    brand_id   BIGINT NOT NULL REFERENCES brands(id),
    batch_no   TEXT NOT NULL,
    sku        TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (brand_id, batch_no)
);

CREATE TABLE batch_plan (
    batch_id     BIGINT NOT NULL REFERENCES batches(id),
    stage        TEXT NOT NULL,
    planned_date TEXT NOT NULL,
    PRIMARY KEY (batch_id, stage)
);

CREATE TABLE batch_events (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    batch_id   BIGINT NOT NULL REFERENCES batches(id),
    stage      TEXT NOT NULL,
    state      TEXT NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    reason     TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (batch_id, stage, state, at)
);

CREATE TABLE shipments (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    brand_id      BIGINT NOT NULL REFERENCES brands(id),
    order_id      BIGINT NOT NULL REFERENCES orders(id),
    carrier       TEXT NOT NULL,
    tracking_no   TEXT NOT NULL,
    status        TEXT NOT NULL,
    sub_status    TEXT NOT NULL,
    leg           INTEGER NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    last_event_at TIMESTAMPTZ,
    delivered_at  TIMESTAMPTZ,
    UNIQUE (brand_id, carrier, tracking_no)
);
CREATE INDEX shipments_order ON shipments (order_id);

CREATE TABLE shipment_items (
    shipment_id   BIGINT NOT NULL REFERENCES shipments(id),
    order_item_id BIGINT NOT NULL REFERENCES order_items(id),
    quantity      INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (shipment_id, order_item_id)
);

CREATE TABLE tracking_events (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shipment_id BIGINT NOT NULL REFERENCES shipments(id),
    fingerprint TEXT NOT NULL,
    time        TIMESTAMPTZ NOT NULL,
    status      TEXT NOT NULL,
    sub_status  TEXT NOT NULL,
    raw_code    TEXT NOT NULL,
    description TEXT NOT NULL,
    location    TEXT NOT NULL,
    area_code   TEXT NOT NULL,
    external_id TEXT NOT NULL,
    source      TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    UNIQUE (shipment_id, fingerprint)
);
