-- Core schema: brands, catalogue, orders, production, parcels, tracking.
-- Instants are UTC text in fixed-width RFC 3339 (lexical order is time
-- order); civil dates are 'YYYY-MM-DD' in China time. Personal data columns
-- hold AES-GCM ciphertexts; *_hash columns hold keyed hashes for look-ups.

CREATE TABLE brands (
    id         INTEGER PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY,
    brand_id     INTEGER NOT NULL REFERENCES brands(id),
    key_hash     BLOB NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    revoked_at   TEXT
);

CREATE TABLE skus (
    id                    INTEGER PRIMARY KEY,
    brand_id              INTEGER NOT NULL REFERENCES brands(id),
    code                  TEXT NOT NULL,
    name                  TEXT NOT NULL,
    fragile               INTEGER NOT NULL,
    alcohol               INTEGER NOT NULL,
    temperature_sensitive INTEGER NOT NULL,
    max_temp_c            REAL,
    lead_min_days         INTEGER NOT NULL,
    lead_max_days         INTEGER NOT NULL,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL,
    UNIQUE (brand_id, code)
);

CREATE TABLE orders (
    id                   INTEGER PRIMARY KEY,
    brand_id             INTEGER NOT NULL REFERENCES brands(id),
    order_no             TEXT NOT NULL,
    customer_name        BLOB NOT NULL,
    customer_phone       BLOB NOT NULL,
    customer_name_hash   BLOB NOT NULL,
    customer_phone_hash  BLOB NOT NULL,
    customer_last4_hash  BLOB NOT NULL,
    recipient_name       BLOB,
    recipient_phone      BLOB,
    recipient_name_hash  BLOB,
    recipient_phone_hash BLOB,
    recipient_last4_hash BLOB,
    province             TEXT NOT NULL,
    province_code        TEXT NOT NULL,
    city                 TEXT NOT NULL,
    district             TEXT NOT NULL,
    address_detail       BLOB NOT NULL,
    occasion_kind        TEXT,
    occasion_date        TEXT,
    promised_ship_by     TEXT,
    promised_delivery_by TEXT,
    cancelled_at         TEXT,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    UNIQUE (brand_id, order_no)
);
CREATE INDEX orders_customer_phone ON orders (brand_id, customer_phone_hash);
CREATE INDEX orders_recipient_phone ON orders (brand_id, recipient_phone_hash);
CREATE INDEX orders_updated ON orders (brand_id, updated_at);

CREATE TABLE order_items (
    id             INTEGER PRIMARY KEY,
    brand_id       INTEGER NOT NULL REFERENCES brands(id),
    order_id       INTEGER NOT NULL REFERENCES orders(id),
    line           INTEGER NOT NULL,
    sku            TEXT NOT NULL,
    quantity       INTEGER NOT NULL CHECK (quantity > 0),
    customization  TEXT NOT NULL,
    batch_no       TEXT,
    unit_price_fen INTEGER,
    UNIQUE (order_id, line)
);
CREATE INDEX order_items_batch ON order_items (brand_id, batch_no);

CREATE TABLE batches (
    id         INTEGER PRIMARY KEY,
    brand_id   INTEGER NOT NULL REFERENCES brands(id),
    batch_no   TEXT NOT NULL,
    sku        TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (brand_id, batch_no)
);

CREATE TABLE batch_plan (
    batch_id     INTEGER NOT NULL REFERENCES batches(id),
    stage        TEXT NOT NULL,
    planned_date TEXT NOT NULL,
    PRIMARY KEY (batch_id, stage)
);

CREATE TABLE batch_events (
    id         INTEGER PRIMARY KEY,
    batch_id   INTEGER NOT NULL REFERENCES batches(id),
    stage      TEXT NOT NULL,
    state      TEXT NOT NULL,
    at         TEXT NOT NULL,
    reason     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (batch_id, stage, state, at)
);

CREATE TABLE shipments (
    id            INTEGER PRIMARY KEY,
    brand_id      INTEGER NOT NULL REFERENCES brands(id),
    order_id      INTEGER NOT NULL REFERENCES orders(id),
    carrier       TEXT NOT NULL,
    tracking_no   TEXT NOT NULL,
    status        TEXT NOT NULL,
    sub_status    TEXT NOT NULL,
    leg           INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    last_event_at TEXT,
    delivered_at  TEXT,
    UNIQUE (brand_id, carrier, tracking_no)
);
CREATE INDEX shipments_order ON shipments (order_id);

CREATE TABLE shipment_items (
    shipment_id   INTEGER NOT NULL REFERENCES shipments(id),
    order_item_id INTEGER NOT NULL REFERENCES order_items(id),
    quantity      INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (shipment_id, order_item_id)
);

CREATE TABLE tracking_events (
    id          INTEGER PRIMARY KEY,
    shipment_id INTEGER NOT NULL REFERENCES shipments(id),
    fingerprint TEXT NOT NULL,
    time        TEXT NOT NULL,
    status      TEXT NOT NULL,
    sub_status  TEXT NOT NULL,
    raw_code    TEXT NOT NULL,
    description TEXT NOT NULL,
    location    TEXT NOT NULL,
    area_code   TEXT NOT NULL,
    external_id TEXT NOT NULL,
    source      TEXT NOT NULL,
    received_at TEXT NOT NULL,
    UNIQUE (shipment_id, fingerprint)
);
