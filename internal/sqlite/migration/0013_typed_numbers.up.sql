-- Numbers as people type them.
--
-- Consumers look an order up by its number ignoring case (a receipt's
-- "wx2026a" is the brand's "WX2026A"): LookupOrder compares
-- upper(order_no), which this index serves.
CREATE INDEX orders_order_no_upper ON orders (brand_id, upper(order_no));

-- Tracking numbers are kept without the dashes people type (and carriers
-- push them without): a number stored with dashes before would no longer
-- match its pushes. A number whose dashless form another parcel of the
-- same brand and carrier already has keeps its dashes rather than collide.
UPDATE shipments SET tracking_no = replace(tracking_no, '-', '')
WHERE tracking_no LIKE '%-%' AND NOT EXISTS (
    SELECT 1 FROM shipments t
    WHERE t.brand_id = shipments.brand_id AND t.carrier = shipments.carrier AND t.id <> shipments.id
        AND replace(t.tracking_no, '-', '') = replace(shipments.tracking_no, '-', ''));
