// Package mock provides func-field fakes of the trail service interfaces for
// tests. Each method calls the field of the same name with the suffix Func;
// a test sets the fields its code path needs, and a call through a field left
// nil panics, which points at the missing set-up.
package mock

import (
	"context"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

var (
	_ trail.BrandService      = (*BrandService)(nil)
	_ trail.CatalogService    = (*CatalogService)(nil)
	_ trail.OrderService      = (*OrderService)(nil)
	_ trail.ProductionService = (*ProductionService)(nil)
	_ trail.ShipmentService   = (*ShipmentService)(nil)
	_ trail.CarrierService    = (*CarrierService)(nil)
	_ trail.TrackingService   = (*TrackingService)(nil)
	_ trail.Provider          = (*Provider)(nil)
)

// BrandService is a fake trail.BrandService.
type BrandService struct {
	CreateBrandFunc   func(ctx context.Context, b *trail.Brand) (string, error)
	BrandByAPIKeyFunc func(ctx context.Context, apiKey string) (*trail.Brand, error)
	BrandBySlugFunc   func(ctx context.Context, slug string) (*trail.Brand, error)

	PutServiceContactFunc func(ctx context.Context, brandID int64, c trail.ServiceContact) error
}

// CreateBrand calls CreateBrandFunc.
func (s *BrandService) CreateBrand(ctx context.Context, b *trail.Brand) (string, error) {
	return s.CreateBrandFunc(ctx, b)
}

// BrandByAPIKey calls BrandByAPIKeyFunc.
func (s *BrandService) BrandByAPIKey(ctx context.Context, apiKey string) (*trail.Brand, error) {
	return s.BrandByAPIKeyFunc(ctx, apiKey)
}

// BrandBySlug calls BrandBySlugFunc.
func (s *BrandService) BrandBySlug(ctx context.Context, slug string) (*trail.Brand, error) {
	return s.BrandBySlugFunc(ctx, slug)
}

// PutServiceContact calls PutServiceContactFunc.
func (s *BrandService) PutServiceContact(ctx context.Context, brandID int64, c trail.ServiceContact) error {
	return s.PutServiceContactFunc(ctx, brandID, c)
}

// CatalogService is a fake trail.CatalogService.
type CatalogService struct {
	PutSKUFunc func(ctx context.Context, brandID int64, s *trail.SKU) (bool, error)
	SKUFunc    func(ctx context.Context, brandID int64, code string) (*trail.SKU, error)
}

// PutSKU calls PutSKUFunc.
func (s *CatalogService) PutSKU(ctx context.Context, brandID int64, sku *trail.SKU) (bool, error) {
	return s.PutSKUFunc(ctx, brandID, sku)
}

// SKU calls SKUFunc.
func (s *CatalogService) SKU(ctx context.Context, brandID int64, code string) (*trail.SKU, error) {
	return s.SKUFunc(ctx, brandID, code)
}

// OrderService is a fake trail.OrderService.
type OrderService struct {
	CreateOrderFunc func(ctx context.Context, brandID int64, o *trail.Order) (bool, error)
	OrderGraphFunc  func(ctx context.Context, brandID int64, orderNo string) (*trail.OrderGraph, error)
}

// CreateOrder calls CreateOrderFunc.
func (s *OrderService) CreateOrder(ctx context.Context, brandID int64, o *trail.Order) (bool, error) {
	return s.CreateOrderFunc(ctx, brandID, o)
}

// OrderGraph calls OrderGraphFunc.
func (s *OrderService) OrderGraph(ctx context.Context, brandID int64, orderNo string) (*trail.OrderGraph, error) {
	return s.OrderGraphFunc(ctx, brandID, orderNo)
}

// ProductionService is a fake trail.ProductionService.
type ProductionService struct {
	CreateBatchFunc      func(ctx context.Context, brandID int64, b *trail.Batch) (bool, error)
	RecordBatchEventFunc func(ctx context.Context, brandID int64, batchNo string, e trail.BatchEvent) (*trail.Batch, error)
}

// CreateBatch calls CreateBatchFunc.
func (s *ProductionService) CreateBatch(ctx context.Context, brandID int64, b *trail.Batch) (bool, error) {
	return s.CreateBatchFunc(ctx, brandID, b)
}

// RecordBatchEvent calls RecordBatchEventFunc.
func (s *ProductionService) RecordBatchEvent(ctx context.Context, brandID int64, batchNo string, e trail.BatchEvent) (*trail.Batch, error) {
	return s.RecordBatchEventFunc(ctx, brandID, batchNo, e)
}

// ShipmentService is a fake trail.ShipmentService.
type ShipmentService struct {
	CreateShipmentFunc func(ctx context.Context, brandID int64, orderNo string, s *trail.Shipment) (bool, error)
	IngestFunc         func(ctx context.Context, brandID int64, carrier, trackingNo string, events []trail.CarrierEvent) (*trail.IngestResult, error)
	ApplyFunc          func(ctx context.Context, brandID int64, updates []trail.TrackUpdate) ([]trail.Applied, error)
}

// CreateShipment calls CreateShipmentFunc.
func (s *ShipmentService) CreateShipment(ctx context.Context, brandID int64, orderNo string, sh *trail.Shipment) (bool, error) {
	return s.CreateShipmentFunc(ctx, brandID, orderNo, sh)
}

// Ingest calls IngestFunc.
func (s *ShipmentService) Ingest(ctx context.Context, brandID int64, carrier, trackingNo string, events []trail.CarrierEvent) (*trail.IngestResult, error) {
	return s.IngestFunc(ctx, brandID, carrier, trackingNo, events)
}

// Apply calls ApplyFunc.
func (s *ShipmentService) Apply(ctx context.Context, brandID int64, updates []trail.TrackUpdate) ([]trail.Applied, error) {
	return s.ApplyFunc(ctx, brandID, updates)
}

// CarrierService is a fake trail.CarrierService.
type CarrierService struct {
	PutCarrierAccountFunc func(ctx context.Context, brandID int64, a *trail.CarrierAccount) (bool, error)
	CarrierAccountsFunc   func(ctx context.Context, brandID int64) ([]*trail.CarrierAccount, error)
	CarrierAccountFunc    func(ctx context.Context, brandID int64, provider string) (*trail.CarrierAccount, error)
	PutComplianceFunc     func(ctx context.Context, brandID int64, c *trail.Compliance) (bool, error)
	CompliancesFunc       func(ctx context.Context, brandID int64) ([]*trail.Compliance, error)
	CorrectCarrierFunc    func(ctx context.Context, brandID int64, oldCarrier, trackingNo, newCarrier, reason string) error
}

// PutCarrierAccount calls PutCarrierAccountFunc.
func (s *CarrierService) PutCarrierAccount(ctx context.Context, brandID int64, a *trail.CarrierAccount) (bool, error) {
	return s.PutCarrierAccountFunc(ctx, brandID, a)
}

// CarrierAccounts calls CarrierAccountsFunc.
func (s *CarrierService) CarrierAccounts(ctx context.Context, brandID int64) ([]*trail.CarrierAccount, error) {
	return s.CarrierAccountsFunc(ctx, brandID)
}

// CarrierAccount calls CarrierAccountFunc.
func (s *CarrierService) CarrierAccount(ctx context.Context, brandID int64, provider string) (*trail.CarrierAccount, error) {
	return s.CarrierAccountFunc(ctx, brandID, provider)
}

// PutCompliance calls PutComplianceFunc.
func (s *CarrierService) PutCompliance(ctx context.Context, brandID int64, c *trail.Compliance) (bool, error) {
	return s.PutComplianceFunc(ctx, brandID, c)
}

// Compliances calls CompliancesFunc.
func (s *CarrierService) Compliances(ctx context.Context, brandID int64) ([]*trail.Compliance, error) {
	return s.CompliancesFunc(ctx, brandID)
}

// CorrectCarrier calls CorrectCarrierFunc.
func (s *CarrierService) CorrectCarrier(ctx context.Context, brandID int64, oldCarrier, trackingNo, newCarrier, reason string) error {
	return s.CorrectCarrierFunc(ctx, brandID, oldCarrier, trackingNo, newCarrier, reason)
}

// TrackingService is a fake trail.TrackingService.
type TrackingService struct {
	TrackingTaskFunc       func(ctx context.Context, shipmentID int64) (*trail.TrackingTask, error)
	RecordSubscriptionFunc func(ctx context.Context, shipmentID int64, failure string) error
	ClaimDuePollsFunc      func(ctx context.Context, now time.Time, n int, lease time.Duration) ([]*trail.TrackingTask, error)
	SchedulePollFunc       func(ctx context.Context, shipmentID int64, next *time.Time) error
	StopTrackingFunc       func(ctx context.Context, brandID int64, carrier, trackingNo, reason string) error
	ResubscribeFunc        func(ctx context.Context, brandID int64, carrier, trackingNo string, at time.Time) error
}

// TrackingTask calls TrackingTaskFunc.
func (s *TrackingService) TrackingTask(ctx context.Context, shipmentID int64) (*trail.TrackingTask, error) {
	return s.TrackingTaskFunc(ctx, shipmentID)
}

// RecordSubscription calls RecordSubscriptionFunc.
func (s *TrackingService) RecordSubscription(ctx context.Context, shipmentID int64, failure string) error {
	return s.RecordSubscriptionFunc(ctx, shipmentID, failure)
}

// ClaimDuePolls calls ClaimDuePollsFunc.
func (s *TrackingService) ClaimDuePolls(ctx context.Context, now time.Time, n int, lease time.Duration) ([]*trail.TrackingTask, error) {
	return s.ClaimDuePollsFunc(ctx, now, n, lease)
}

// SchedulePoll calls SchedulePollFunc.
func (s *TrackingService) SchedulePoll(ctx context.Context, shipmentID int64, next *time.Time) error {
	return s.SchedulePollFunc(ctx, shipmentID, next)
}

// StopTracking calls StopTrackingFunc.
func (s *TrackingService) StopTracking(ctx context.Context, brandID int64, carrier, trackingNo, reason string) error {
	return s.StopTrackingFunc(ctx, brandID, carrier, trackingNo, reason)
}

// Resubscribe calls ResubscribeFunc.
func (s *TrackingService) Resubscribe(ctx context.Context, brandID int64, carrier, trackingNo string, at time.Time) error {
	return s.ResubscribeFunc(ctx, brandID, carrier, trackingNo, at)
}

// Provider is a fake trail.Provider.
type Provider struct {
	NameFunc      func() string
	SubscribeFunc func(ctx context.Context, acct *trail.CarrierAccount, req trail.TrackRequest) error
	QueryFunc     func(ctx context.Context, acct *trail.CarrierAccount, req trail.TrackRequest) (*trail.TrackUpdate, error)
	ParsePushFunc func(acct *trail.CarrierAccount, contentType string, body []byte) ([]trail.TrackUpdate, error)
	ReplyFunc     func(acct *trail.CarrierAccount, err error) (int, string, []byte)
}

// Name calls NameFunc.
func (p *Provider) Name() string { return p.NameFunc() }

// Subscribe calls SubscribeFunc.
func (p *Provider) Subscribe(ctx context.Context, acct *trail.CarrierAccount, req trail.TrackRequest) error {
	return p.SubscribeFunc(ctx, acct, req)
}

// Query calls QueryFunc.
func (p *Provider) Query(ctx context.Context, acct *trail.CarrierAccount, req trail.TrackRequest) (*trail.TrackUpdate, error) {
	return p.QueryFunc(ctx, acct, req)
}

// ParsePush calls ParsePushFunc.
func (p *Provider) ParsePush(acct *trail.CarrierAccount, contentType string, body []byte) ([]trail.TrackUpdate, error) {
	return p.ParsePushFunc(acct, contentType, body)
}

// Reply calls ReplyFunc.
func (p *Provider) Reply(acct *trail.CarrierAccount, err error) (status int, contentType string, body []byte) {
	return p.ReplyFunc(acct, err)
}

// AlertService is a fake trail.AlertService.
type AlertService struct {
	AlertsFunc           func(ctx context.Context, brandID int64, f trail.AlertFilter) ([]*trail.Alert, error)
	AcknowledgeAlertFunc func(ctx context.Context, brandID, id int64, actor, assignee string) (*trail.Alert, error)
	ResolveAlertFunc     func(ctx context.Context, brandID, id int64, actor, note string) (*trail.Alert, error)
	AlertRulesFunc       func(ctx context.Context, brandID int64) (trail.AlertRules, error)
	PutAlertRuleFunc     func(ctx context.Context, brandID int64, t trail.AlertType, r trail.AlertRule) error
}

var _ trail.AlertService = (*AlertService)(nil)

// Alerts calls AlertsFunc.
func (s *AlertService) Alerts(ctx context.Context, brandID int64, f trail.AlertFilter) ([]*trail.Alert, error) {
	return s.AlertsFunc(ctx, brandID, f)
}

// AcknowledgeAlert calls AcknowledgeAlertFunc.
func (s *AlertService) AcknowledgeAlert(ctx context.Context, brandID, id int64, actor, assignee string) (*trail.Alert, error) {
	return s.AcknowledgeAlertFunc(ctx, brandID, id, actor, assignee)
}

// ResolveAlert calls ResolveAlertFunc.
func (s *AlertService) ResolveAlert(ctx context.Context, brandID, id int64, actor, note string) (*trail.Alert, error) {
	return s.ResolveAlertFunc(ctx, brandID, id, actor, note)
}

// AlertRules calls AlertRulesFunc.
func (s *AlertService) AlertRules(ctx context.Context, brandID int64) (trail.AlertRules, error) {
	return s.AlertRulesFunc(ctx, brandID)
}

// PutAlertRule calls PutAlertRuleFunc.
func (s *AlertService) PutAlertRule(ctx context.Context, brandID int64, t trail.AlertType, r trail.AlertRule) error {
	return s.PutAlertRuleFunc(ctx, brandID, t, r)
}

// LaneService is a fake trail.LaneService.
type LaneService struct {
	AddLaneSamplesFunc func(ctx context.Context, brandID int64, samples []trail.LaneSample) error
	LanesFunc          func(ctx context.Context, brandID int64, carrier string) ([]*trail.LaneStats, error)
}

var _ trail.LaneService = (*LaneService)(nil)

// AddLaneSamples calls AddLaneSamplesFunc.
func (s *LaneService) AddLaneSamples(ctx context.Context, brandID int64, samples []trail.LaneSample) error {
	return s.AddLaneSamplesFunc(ctx, brandID, samples)
}

// Lanes calls LanesFunc.
func (s *LaneService) Lanes(ctx context.Context, brandID int64, carrier string) ([]*trail.LaneStats, error) {
	return s.LanesFunc(ctx, brandID, carrier)
}
