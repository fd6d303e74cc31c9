-- Consumers look an order up by its number ignoring case (a receipt's
-- "wx2026a" is the brand's "WX2026A"): LookupOrder compares
-- upper(order_no), which this index serves.
CREATE INDEX orders_order_no_upper ON orders (brand_id, upper(order_no));
