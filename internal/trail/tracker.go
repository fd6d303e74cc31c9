package trail

import (
	"context"
	"time"
)

// Job is a durable background job; its Kind names the worker that runs it.
type Job interface{ Kind() string }

// SubscribeJob asks the parcel's provider to push its updates. It is
// enqueued in the transaction that creates the parcel, and retried with
// back-off while the provider is down.
type SubscribeJob struct {
	ShipmentID int64 `json:"shipment_id"`
}

// Kind implements Job.
func (SubscribeJob) Kind() string { return "subscribe_shipment" }

// TrackingTask is everything needed to subscribe or poll one parcel.
type TrackingTask struct {
	ShipmentID  int64
	BrandID     int64
	BrandSlug   string
	Carrier     string
	TrackingNo  string
	PhoneLast4  string
	Account     *CarrierAccount // nil when no account serves the carrier
	Status      ShipmentStatus
	CreatedAt   time.Time
	LastEventAt *time.Time
}

// Request returns the provider request for the task; callbackURL is only
// used by subscriptions.
func (t *TrackingTask) Request(callbackURL string) TrackRequest {
	return TrackRequest{Carrier: t.Carrier, TrackingNo: t.TrackingNo, PhoneLast4: t.PhoneLast4, CallbackURL: callbackURL}
}

// Poll intervals. Kuaidi100 locks a number queried more than about twice an
// hour, so nothing polls faster than MinPollInterval.
const (
	MinPollInterval = 30 * time.Minute
	// NoRecordTimeout and NoChangeTimeout are Kuaidi100's stop rules: no
	// record three days after the waybill, or no change for sixty days.
	NoRecordTimeout = 72 * time.Hour
	NoChangeTimeout = 60 * 24 * time.Hour
)

// NextPoll returns when a parcel should be polled next, or nil when it
// should not be polled again: often near delivery, rarely in line-haul,
// never after a final status or past the providers' stop rules.
func NextPoll(status ShipmentStatus, createdAt time.Time, lastEventAt *time.Time, now time.Time) *time.Time {
	if status.Final() || status == StatusExpired {
		return nil
	}
	if lastEventAt == nil && now.Sub(createdAt) >= NoRecordTimeout {
		return nil
	}
	if lastEventAt != nil && now.Sub(*lastEventAt) >= NoChangeTimeout {
		return nil
	}
	var every time.Duration
	switch status {
	case StatusOutForDelivery:
		every = MinPollInterval
	case StatusAtPickupPoint, StatusException, StatusRefused:
		every = 2 * time.Hour
	case StatusCreated, StatusPickedUp:
		every = 3 * time.Hour
	default: // in transit, returning: line-haul moves slowly
		every = 6 * time.Hour
	}
	next := now.Add(every)
	return &next
}

// TrackingService keeps the subscription and polling state of parcels.
type TrackingService interface {
	// TrackingTask returns what subscribing or polling a parcel needs.
	// ENOTFOUND if the parcel does not exist.
	TrackingTask(ctx context.Context, shipmentID int64) (*TrackingTask, error)

	// RecordSubscription stores the outcome of a subscription: failure ""
	// means subscribed; otherwise the reason, and polling takes over.
	RecordSubscription(ctx context.Context, shipmentID int64, failure string) error

	// ClaimDuePolls leases up to n parcels whose next poll is due at now, by
	// moving their next poll to now+lease, so that concurrent pollers never
	// take the same parcel. It uses an index, never a scan.
	ClaimDuePolls(ctx context.Context, now time.Time, n int, lease time.Duration) ([]*TrackingTask, error)

	// SchedulePoll sets a parcel's next poll; nil stops polling it.
	SchedulePoll(ctx context.Context, shipmentID int64, next *time.Time) error

	// StopTracking records that a provider stopped watching a parcel.
	// ENOTFOUND if there is no such parcel.
	StopTracking(ctx context.Context, brandID int64, carrier, trackingNo, reason string) error

	// Resubscribe queues a new subscription of a parcel to run at the given
	// time. ENOTFOUND if there is no such parcel.
	Resubscribe(ctx context.Context, brandID int64, carrier, trackingNo string, at time.Time) error
}
