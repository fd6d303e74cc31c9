-- Delivery estimates and alerts: lane statistics, estimate revisions, alert
-- rules and alerts, and the indexed schedule that evaluates orders.

-- One row per brand × metric × lane ("carrier|origin|dest", "*" pools a
-- level): an hour-bucket histogram of durations, updated one delivery at a
-- time.
CREATE TABLE lane_stats (
    brand_id   INTEGER NOT NULL REFERENCES brands(id),
    metric     TEXT NOT NULL,
    lane       TEXT NOT NULL,
    counts     TEXT NOT NULL,
    samples    INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (brand_id, metric, lane)
);

-- A brand's settings per alert type (JSON of trail.AlertRule); absent types
-- use the defaults.
CREATE TABLE alert_rules (
    brand_id   INTEGER NOT NULL REFERENCES brands(id),
    type       TEXT NOT NULL,
    rule       TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (brand_id, type)
);

-- cause_key is unique per brand: the same cause never opens a second alert.
CREATE TABLE alerts (
    id              INTEGER PRIMARY KEY,
    brand_id        INTEGER NOT NULL REFERENCES brands(id),
    type            TEXT NOT NULL,
    severity        TEXT NOT NULL,
    cause_key       TEXT NOT NULL,
    order_id        INTEGER REFERENCES orders(id),
    shipment_id     INTEGER REFERENCES shipments(id),
    batch_id        INTEGER REFERENCES batches(id),
    explanation     TEXT NOT NULL,
    assignee        TEXT NOT NULL DEFAULT '',
    note            TEXT NOT NULL DEFAULT '',
    opened_at       TEXT NOT NULL,
    acknowledged_at TEXT,
    acknowledged_by TEXT NOT NULL DEFAULT '',
    resolved_at     TEXT,
    resolved_by     TEXT NOT NULL DEFAULT '',
    reopened        INTEGER NOT NULL DEFAULT 0,
    updated_at      TEXT NOT NULL,
    UNIQUE (brand_id, cause_key)
);
CREATE INDEX alerts_open ON alerts (brand_id, id) WHERE resolved_at IS NULL;
CREATE INDEX alerts_order ON alerts (order_id);
CREATE INDEX alerts_batch ON alerts (batch_id) WHERE batch_id IS NOT NULL;

CREATE TABLE eta_revisions (
    id         INTEGER PRIMARY KEY,
    order_id   INTEGER NOT NULL REFERENCES orders(id),
    parcel     TEXT NOT NULL,
    p10        TEXT NOT NULL,
    p50        TEXT NOT NULL,
    p90        TEXT NOT NULL,
    confidence TEXT NOT NULL,
    basis      TEXT NOT NULL,
    at         TEXT NOT NULL
);
CREATE INDEX eta_revisions_order ON eta_revisions (order_id, id);

-- The evaluation schedule: set to now by every change of an order, to the
-- next due time of its rules by each evaluation.
ALTER TABLE orders ADD COLUMN evaluate_at TEXT;
-- Orders that exist already are judged once after the upgrade.
UPDATE orders SET evaluate_at = updated_at WHERE cancelled_at IS NULL;
CREATE INDEX orders_evaluate ON orders (evaluate_at) WHERE evaluate_at IS NOT NULL;

-- Set once a delivered parcel's durations are in lane_stats.
ALTER TABLE shipments ADD COLUMN lane_recorded INTEGER NOT NULL DEFAULT 0;
