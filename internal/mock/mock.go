// Package mock provides func-field fakes of the trail service interfaces for
// tests. Each method calls the field of the same name with the suffix Func;
// a test sets the fields its code path needs, and a call through a field left
// nil panics, which points at the missing set-up.
package mock

import (
	"context"

	"github.com/bottletrail/bottletrail/internal/trail"
)

var (
	_ trail.BrandService      = (*BrandService)(nil)
	_ trail.CatalogService    = (*CatalogService)(nil)
	_ trail.OrderService      = (*OrderService)(nil)
	_ trail.ProductionService = (*ProductionService)(nil)
	_ trail.ShipmentService   = (*ShipmentService)(nil)
)

// BrandService is a fake trail.BrandService.
type BrandService struct {
	CreateBrandFunc   func(ctx context.Context, b *trail.Brand) (string, error)
	BrandByAPIKeyFunc func(ctx context.Context, apiKey string) (*trail.Brand, error)
	BrandBySlugFunc   func(ctx context.Context, slug string) (*trail.Brand, error)
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
}

// CreateShipment calls CreateShipmentFunc.
func (s *ShipmentService) CreateShipment(ctx context.Context, brandID int64, orderNo string, sh *trail.Shipment) (bool, error) {
	return s.CreateShipmentFunc(ctx, brandID, orderNo, sh)
}

// Ingest calls IngestFunc.
func (s *ShipmentService) Ingest(ctx context.Context, brandID int64, carrier, trackingNo string, events []trail.CarrierEvent) (*trail.IngestResult, error) {
	return s.IngestFunc(ctx, brandID, carrier, trackingNo, events)
}
