-- Consumer notifications and outbound deliveries (docs/ARCHITECTURE.md §8).

-- The buyer's other channels, sealed like the rest of the contact.
ALTER TABLE orders ADD COLUMN customer_email BLOB;
ALTER TABLE orders ADD COLUMN customer_openid BLOB;

-- A brand's policy (JSON of trail.NotifySettings) and its channel
-- accounts (sealed JSON: AccessKeys, app secrets, SMTP passwords).
CREATE TABLE notify_settings (
    brand_id   INTEGER PRIMARY KEY REFERENCES brands(id),
    settings   TEXT NOT NULL,
    channels   BLOB,
    updated_at TEXT NOT NULL
);

CREATE TABLE notice_templates (
    brand_id   INTEGER NOT NULL REFERENCES brands(id),
    kind       TEXT NOT NULL,
    subject    TEXT NOT NULL,
    text       TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (brand_id, kind)
);

-- Events worth telling, written in the transaction of the change. once_key
-- makes each status once per parcel (and each order notice once).
CREATE TABLE notices (
    id          INTEGER PRIMARY KEY,
    brand_id    INTEGER NOT NULL REFERENCES brands(id),
    order_id    INTEGER NOT NULL REFERENCES orders(id),
    shipment_id INTEGER REFERENCES shipments(id),
    kind        TEXT NOT NULL,
    detail      TEXT NOT NULL,
    once_key    TEXT NOT NULL,
    state       TEXT NOT NULL, -- pending, sent, suppressed
    reason      TEXT NOT NULL DEFAULT '',
    batch       TEXT,
    created_at  TEXT NOT NULL,
    UNIQUE (brand_id, once_key)
);
CREATE INDEX notices_pending ON notices (order_id) WHERE state = 'pending';

-- Every outbound message: to a consumer on one channel, or to a webhook
-- endpoint. Consumer bodies are rendered at send time and never stored;
-- webhook bodies hold no personal data and are kept, so that every attempt
-- signs the same bytes.
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    brand_id        INTEGER NOT NULL REFERENCES brands(id),
    order_id        INTEGER REFERENCES orders(id),
    channel         TEXT NOT NULL,
    event           TEXT NOT NULL,
    endpoint_id     INTEGER REFERENCES webhook_endpoints(id),
    recipient       TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    body            BLOB,
    batch           TEXT,
    contact_hash    BLOB,
    state           TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    in_flight       INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    detail          TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    sent_at         TEXT,
    updated_at      TEXT NOT NULL
);
CREATE INDEX deliveries_brand ON deliveries (brand_id, id);
CREATE INDEX deliveries_contact ON deliveries (brand_id, contact_hash, created_at);

CREATE TABLE opt_outs (
    brand_id     INTEGER NOT NULL REFERENCES brands(id),
    contact_hash BLOB NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (brand_id, contact_hash)
);
