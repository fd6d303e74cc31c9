-- The brand's customer-service contact (trail.ServiceContact), which the
-- consumer pages show beside a parcel's problem; '' where not set.
ALTER TABLE brands ADD COLUMN service_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE brands ADD COLUMN service_wechat TEXT NOT NULL DEFAULT '';
ALTER TABLE brands ADD COLUMN service_hours TEXT NOT NULL DEFAULT '';

-- An alert whose cause is a fact (goods arrived damaged, a promise was
-- broken) is held open until a person resolves it: evaluation never
-- resolves it by itself (trail.AlertCause.Held).
ALTER TABLE alerts ADD COLUMN held BOOLEAN NOT NULL DEFAULT false;
