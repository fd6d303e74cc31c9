-- Console search at 1M orders (docs/BENCHMARKS-console.md).
--
-- Order items by batch only where they have one. The open-alert search
-- joins an open alert's batch to its items on (brand_id, batch_no). When
-- most items have no batch, ANALYZE records that the full index
-- order_items_batch holds every item under one key (the NULLs), and
-- SQLite then scans all order items for every open alert: 163 s for one
-- search at 1M orders. Every query of items by batch compares batch_no
-- with =, which the partial index serves; it replaces the full one.
CREATE INDEX order_items_batch_set ON order_items (brand_id, batch_no) WHERE batch_no IS NOT NULL;
DROP INDEX order_items_batch;

-- Parcels in trouble, for the search's exception filter: its prefilter
-- probes each candidate order for such a parcel. The predicate must stay
-- the one statusPrefilter (internal/sqlstore/search.go) writes, or SQLite
-- stops using the index.
CREATE INDEX shipments_exception ON shipments (order_id) WHERE status IN ('exception', 'refused', 'returning');

-- Text search reads each index of the text newest first, to the end of
-- a page (searchQuery in internal/sqlstore/search.go): with the order in
-- the index, a name a hundred thousand orders carry costs a page, not a
-- hundred thousand rows. Each replaces an index it extends.
DROP INDEX orders_customer_phone;
CREATE INDEX orders_customer_phone ON orders (brand_id, customer_phone_hash, created_at, id);
DROP INDEX orders_recipient_phone;
CREATE INDEX orders_recipient_phone ON orders (brand_id, recipient_phone_hash, created_at, id);
DROP INDEX orders_customer_name;
CREATE INDEX orders_customer_name ON orders (brand_id, customer_name_hash, created_at, id);
DROP INDEX orders_recipient_name;
CREATE INDEX orders_recipient_name ON orders (brand_id, recipient_name_hash, created_at, id);
