-- The upgrade to held damage alerts and to shipping finishing a batch
-- (migration 0012's release), for data stored before it.

-- A damaged parcel's alert was the exception rule's (cause key
-- exception:s<parcel>:<leg>); the damage rule now speaks for the parcel
-- under damage:s<parcel>, held for a person. The parcel's exception alert
-- becomes its damage alert in place (same id, no webhooks): the open one,
-- else the newest, so that one a person resolved stays resolved and one
-- that resolved itself reopens rather than a second alert opening. A
-- parcel is damaged as trail.Shipment.Damaged says: its sub-status or any
-- of its scans is damaged.
UPDATE alerts SET cause_key = 'damage:s' || shipment_id, held = TRUE
WHERE type = 'exception' AND cause_key LIKE 'exception:s%'
  AND id = (SELECT x.id FROM alerts x
            WHERE x.brand_id = alerts.brand_id AND x.shipment_id = alerts.shipment_id
              AND x.type = 'exception' AND x.cause_key LIKE 'exception:s%'
            ORDER BY x.resolved_at IS NULL DESC, x.id DESC LIMIT 1)
  AND (EXISTS (SELECT 1 FROM shipments s WHERE s.id = alerts.shipment_id AND s.sub_status = 'damaged')
       OR EXISTS (SELECT 1 FROM tracking_events e WHERE e.shipment_id = alerts.shipment_id AND e.sub_status = 'damaged'))
  AND NOT EXISTS (SELECT 1 FROM alerts d WHERE d.brand_id = alerts.brand_id AND d.cause_key = 'damage:s' || alerts.shipment_id);

-- A parcel that carries items of a batch not done now records the batch's
-- ready stage completed (trail.ShippedEvent). Batches goods shipped from
-- before get that event now, at their first parcel's creation, as if it
-- had been recorded then. Not done is trail.Batch.Done's negation: no
-- completed ready stage, and a planned stage not completed (or nothing
-- planned or reported at all). The reason names the parcel by its
-- tracking number ("随包裹 ZT123 发出").
INSERT INTO batch_events (batch_id, stage, state, at, reason, created_at)
SELECT b.id, 'ready', 'completed', s.created_at, '随包裹 ' || s.tracking_no || ' 发出', s.created_at
FROM batches b
JOIN shipments s ON s.id = (SELECT si.shipment_id FROM shipment_items si
                            JOIN order_items oi ON oi.id = si.order_item_id
                            JOIN shipments f ON f.id = si.shipment_id
                            WHERE oi.brand_id = b.brand_id AND oi.batch_no = b.batch_no
                            ORDER BY f.created_at, f.id LIMIT 1)
WHERE NOT EXISTS (SELECT 1 FROM batch_events e WHERE e.batch_id = b.id AND e.stage = 'ready' AND e.state = 'completed')
  AND (EXISTS (SELECT 1 FROM batch_plan p WHERE p.batch_id = b.id
               AND NOT EXISTS (SELECT 1 FROM batch_events e WHERE e.batch_id = b.id AND e.stage = p.stage AND e.state = 'completed'))
       OR (NOT EXISTS (SELECT 1 FROM batch_plan p WHERE p.batch_id = b.id)
           AND NOT EXISTS (SELECT 1 FROM batch_events e WHERE e.batch_id = b.id)));

-- A production_overdue alert still open on a batch whose ready stage is
-- completed is stale: the orders waiting on the batch are due for
-- evaluation (their own creation is past on any clock), which resolves
-- it and sends alert.resolved.
UPDATE orders SET evaluate_at = created_at
WHERE id IN (SELECT oi.order_id FROM alerts a
             JOIN batches b ON b.id = a.batch_id
             JOIN order_items oi ON oi.brand_id = b.brand_id AND oi.batch_no = b.batch_no
             WHERE a.type = 'production_overdue' AND a.resolved_at IS NULL
               AND EXISTS (SELECT 1 FROM batch_events e WHERE e.batch_id = b.id AND e.stage = 'ready' AND e.state = 'completed'));
