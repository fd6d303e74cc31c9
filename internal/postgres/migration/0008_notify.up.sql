-- Consumer notifications and outbound deliveries (docs/ARCHITECTURE.md §8).

-- The buyer's other channels, sealed like the rest of the contact.
ALTER TABLE orders ADD COLUMN customer_email BYTEA;
ALTER TABLE orders ADD COLUMN customer_openid BYTEA;

-- A brand's policy (JSON of trail.NotifySettings) and its channel
-- accounts (sealed JSON: AccessKeys, app secrets, SMTP passwords).
CREATE TABLE notify_settings (
    brand_id   BIGINT PRIMARY KEY REFERENCES brands(id),
    settings   TEXT NOT NULL,
    channels   BYTEA,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE notice_templates (
    brand_id   BIGINT NOT NULL REFERENCES brands(id),
    kind       TEXT NOT NULL,
    subject    TEXT NOT NULL,
    text       TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (brand_id, kind)
);

-- Events worth telling, written in the transaction of the change. once_key
-- makes each status once per parcel (and each order notice once).
CREATE TABLE notices (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    brand_id    BIGINT NOT NULL REFERENCES brands(id),
    order_id    BIGINT NOT NULL REFERENCES orders(id),
    shipment_id BIGINT REFERENCES shipments(id),
    kind        TEXT NOT NULL,
    detail      TEXT NOT NULL,
    once_key    TEXT NOT NULL,
    state       TEXT NOT NULL, -- pending, sent, suppressed
    reason      TEXT NOT NULL DEFAULT '',
    batch       TEXT,
    created_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (brand_id, once_key)
);
CREATE INDEX notices_pending ON notices (order_id) WHERE state = 'pending';

-- Every outbound message: to a consumer on one channel, or to a webhook
-- endpoint. Consumer bodies are rendered at send time and never stored;
-- webhook bodies hold no personal data and are kept, so that every attempt
-- signs the same bytes.
CREATE TABLE deliveries (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    brand_id        BIGINT NOT NULL REFERENCES brands(id),
    order_id        BIGINT REFERENCES orders(id),
    channel         TEXT NOT NULL,
    event           TEXT NOT NULL,
    endpoint_id     BIGINT REFERENCES webhook_endpoints(id),
    recipient       TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    body            BYTEA,
    batch           TEXT,
    contact_hash    BYTEA,
    state           TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    in_flight       BOOLEAN NOT NULL DEFAULT false,
    last_error      TEXT NOT NULL DEFAULT '',
    detail          TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    sent_at         TIMESTAMPTZ,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX deliveries_brand ON deliveries (brand_id, id);
CREATE INDEX deliveries_contact ON deliveries (brand_id, contact_hash, created_at);

CREATE TABLE opt_outs (
    brand_id     BIGINT NOT NULL REFERENCES brands(id),
    contact_hash BYTEA NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (brand_id, contact_hash)
);
