package storetest

import (
	"testing"

	"github.com/bottletrail/bottletrail/internal/trail"
)

func testBrand(t *testing.T, open OpenFunc) {
	b := setup(t, open)
	key, err := b.s.CreateBrand(b.ctx, &trail.Brand{Slug: "third-one", Name: "第三家"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.s.BrandByAPIKey(b.ctx, key)
	if err != nil || got.Slug != "third-one" {
		t.Fatalf("BrandByAPIKey: got %v, %v, want third-one", got, err)
	}
	if _, err := b.s.BrandByAPIKey(b.ctx, key+"x"); err == nil {
		t.Fatal("BrandByAPIKey with a wrong key: got a brand, want not_found")
	} else {
		wantCode(t, err, trail.ENOTFOUND)
	}
	_, err = b.s.CreateBrand(b.ctx, &trail.Brand{Slug: "third-one", Name: "again"})
	wantCode(t, err, trail.ECONFLICT, "slug")
	_, err = b.s.CreateBrand(b.ctx, &trail.Brand{Slug: "X", Name: "bad"})
	wantCode(t, err, trail.EINVALID, "slug")
	if got, err := b.s.BrandBySlug(b.ctx, "plum-house"); err != nil || got.ID != b.brand.ID {
		t.Fatalf("BrandBySlug: got %v, %v, want id %d", got, err, b.brand.ID)
	}
}

func testSKU(t *testing.T, open OpenFunc) {
	b := setup(t, open)
	max := 30.0
	s := &trail.SKU{Code: "PLUM-750", Name: "青梅酒 750ml", Fragile: true, Alcohol: true, TemperatureSensitive: true, MaxTempC: &max, LeadTime: trail.LeadTime{Min: 5, Max: 10}}
	if created, err := b.s.PutSKU(b.ctx, b.brand.ID, s); err != nil || !created {
		t.Fatalf("PutSKU: got created=%v, %v, want created", created, err)
	}
	s.Name = "青梅酒 750ml 礼盒"
	if created, err := b.s.PutSKU(b.ctx, b.brand.ID, s); err != nil || created {
		t.Fatalf("PutSKU again: got created=%v, %v, want replaced", created, err)
	}
	got, err := b.s.SKU(b.ctx, b.brand.ID, "PLUM-750")
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != s.Name || !got.TemperatureSensitive || got.MaxTempC == nil || *got.MaxTempC != 30 || got.LeadTime != s.LeadTime {
		t.Fatalf("SKU: got %+v, want %+v", got, s)
	}
	_, err = b.s.SKU(b.ctx, b.other.ID, "PLUM-750")
	wantCode(t, err, trail.ENOTFOUND)
}

func testBatch(t *testing.T, open OpenFunc) {
	b := setup(t, open)
	batch := &trail.Batch{BatchNo: "B20261125-01", SKU: "PLUM-330", Plan: map[trail.Stage]trail.Date{
		trail.StageIngredients: "2026-11-26", trail.StageFilling: "2026-11-29", trail.StageReady: "2026-12-02"}}
	if created, err := b.s.CreateBatch(b.ctx, b.brand.ID, batch); err != nil || !created {
		t.Fatalf("CreateBatch: got %v, %v", created, err)
	}
	again := &trail.Batch{BatchNo: batch.BatchNo, SKU: batch.SKU, Plan: batch.Plan}
	if created, err := b.s.CreateBatch(b.ctx, b.brand.ID, again); err != nil || created || again.ID != batch.ID {
		t.Fatalf("CreateBatch replay: got created=%v id=%d, %v, want the same batch %d", created, again.ID, err, batch.ID)
	}
	changed := &trail.Batch{BatchNo: batch.BatchNo, SKU: batch.SKU, Plan: map[trail.Stage]trail.Date{trail.StageReady: "2026-12-09"}}
	_, err := b.s.CreateBatch(b.ctx, b.brand.ID, changed)
	wantCode(t, err, trail.ECONFLICT, "plan")
	_, err = b.s.CreateBatch(b.ctx, b.brand.ID, &trail.Batch{BatchNo: "B-X", SKU: "NOPE", Plan: batch.Plan})
	wantCode(t, err, trail.EINVALID, "sku")

	// An order names B-R for RICE-500; a batch B-R of PLUM-330 contradicts it.
	o := newOrder("WX-BATCH")
	o.Items[1].BatchNo = "B-R"
	if _, err := b.s.CreateOrder(b.ctx, b.brand.ID, o); err != nil {
		t.Fatal(err)
	}
	_, err = b.s.CreateBatch(b.ctx, b.brand.ID, &trail.Batch{BatchNo: "B-R", SKU: "PLUM-330", Plan: batch.Plan})
	wantCode(t, err, trail.EINVALID, "sku")

	e := trail.BatchEvent{Stage: trail.StageFilling, State: trail.StateDelayed, At: at(4, 10, 0), Reason: "原料到货晚 2 天"}
	for range 2 { // the same report twice is stored once
		got, err := b.s.RecordBatchEvent(b.ctx, b.brand.ID, batch.BatchNo, e)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Events) != 1 {
			t.Fatalf("events: got %d, want 1", len(got.Events))
		}
	}
	_, err = b.s.RecordBatchEvent(b.ctx, b.other.ID, batch.BatchNo, e)
	wantCode(t, err, trail.ENOTFOUND)
	_, err = b.s.RecordBatchEvent(b.ctx, b.brand.ID, batch.BatchNo, trail.BatchEvent{Stage: "bottling", State: "started", At: at(1, 0, 0)})
	wantCode(t, err, trail.EINVALID, "stage")

	got, err := b.s.RecordBatchEvent(b.ctx, b.brand.ID, batch.BatchNo, trail.BatchEvent{Stage: trail.StageFilling, State: trail.StateCompleted, At: at(6, 9, 0)})
	if err != nil {
		t.Fatal(err)
	}
	var filling trail.StageProgress
	for _, p := range got.Progress() {
		if p.Stage == trail.StageFilling {
			filling = p
		}
	}
	if filling.CompletedAt == nil || !filling.CompletedAt.Equal(at(6, 9, 0)) || filling.DelayText() != "灌装环节延迟：原料到货晚 2 天" {
		t.Fatalf("filling progress: got %+v, want completed at %v with the delay explained", filling, at(6, 9, 0))
	}
	if got.Done() {
		t.Fatal("batch done before the ready stage")
	}
}
