-- Carrier scan text holds personal data (签收人：张三, phone numbers,
-- pickup codes). A description is stored masked (trail.MaskScanText); where
-- masking changed it, the carrier's own text is sealed beside it, for the
-- buyer's pickup code and the console's reveal.
ALTER TABLE tracking_events ADD COLUMN description_sealed BLOB;

-- Events stored before this migration hold their text in clear. Sealing
-- needs the key, which SQL does not have, so the store masks them at start
-- (sqlstore.DB.MaskScanBacklog), in batches of ids after after_id up to
-- upto_id, and deletes this row when it is done.
CREATE TABLE scan_mask_backlog (
    after_id INTEGER NOT NULL,
    upto_id  INTEGER NOT NULL
);
INSERT INTO scan_mask_backlog (after_id, upto_id) SELECT 0, COALESCE(MAX(id), 0) FROM tracking_events;
