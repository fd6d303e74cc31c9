package storetest

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// testAPIKeys runs the API keys' store behaviour: creation shown once,
// listing, revocation, the record of last use, and brand isolation.
func testAPIKeys(t *testing.T, open OpenFunc) {
	t.Run("Lifecycle", func(t *testing.T) { testAPIKeyLifecycle(t, open) })
	t.Run("LastUsed", func(t *testing.T) { testAPIKeyLastUsed(t, open) })
	t.Run("Limit", func(t *testing.T) { testAPIKeyLimit(t, open) })
}

func mustAPIKey(t *testing.T, b *bundle, brandID int64, name string) (*trail.APIKey, string) {
	t.Helper()
	k := &trail.APIKey{Name: name, CreatedBy: "admin@plum.example"}
	k.Normalize()
	key, err := b.s.CreateAPIKey(b.ctx, brandID, k)
	if err != nil {
		t.Fatal(err)
	}
	return k, key
}

func testAPIKeyLifecycle(t *testing.T, open OpenFunc) {
	b := setup(t, open)
	k := &trail.APIKey{Name: "  OMS 对接 ", CreatedBy: "admin@plum.example"}
	k.Normalize()
	key, err := b.s.CreateAPIKey(b.ctx, b.brand.ID, k)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(key, trail.APIKeyPrefix) || len(key) < 40 {
		t.Fatalf("key: got %q", key)
	}
	if k.ID == 0 || k.Name != "OMS 对接" || k.Hint != key[len(key)-4:] || !k.CreatedAt.Equal(b.clock.Now()) || k.LastUsedAt != nil || k.RevokedAt != nil {
		t.Fatalf("created key: got %+v", k)
	}
	for _, bad := range []string{"", "   ", strings.Repeat("名", trail.MaxAPIKeyName+1)} {
		k := &trail.APIKey{Name: bad}
		k.Normalize()
		_, err := b.s.CreateAPIKey(b.ctx, b.brand.ID, k)
		wantCode(t, err, trail.EINVALID, "name")
	}
	_, err = b.s.CreateAPIKey(b.ctx, b.other.ID+1000, &trail.APIKey{Name: "x"})
	wantCode(t, err, trail.ENOTFOUND)

	// The new key opens the API for its brand.
	if got, err := b.s.BrandByAPIKey(b.ctx, key); err != nil || got.ID != b.brand.ID {
		t.Fatalf("BrandByAPIKey: got %v, %v", got, err)
	}

	// Listed newest first, with the brand's first key (made with the
	// brand: no name, no maker) after it; never the key itself.
	keys, err := b.s.APIKeys(b.ctx, b.brand.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0].ID != k.ID || keys[0].Name != "OMS 对接" || keys[0].CreatedBy != "admin@plum.example" ||
		keys[0].Hint != k.Hint || keys[1].Name != "" || keys[1].CreatedBy != "" || len(keys[1].Hint) != 4 {
		t.Fatalf("APIKeys: got %+v", keys)
	}

	// Another brand sees none of them and cannot revoke them.
	other, err := b.s.APIKeys(b.ctx, b.other.ID)
	if err != nil || len(other) != 1 || other[0].ID == k.ID {
		t.Fatalf("other brand's keys: got %+v, %v", other, err)
	}
	_, err = b.s.RevokeAPIKey(b.ctx, b.other.ID, k.ID)
	wantCode(t, err, trail.ENOTFOUND)
	if _, err := b.s.BrandByAPIKey(b.ctx, key); err != nil {
		t.Fatalf("after another brand's attempt: %v", err)
	}

	// Revoked, the key opens nothing, at once.
	b.clock.Set(b.clock.Now().Add(time.Hour))
	revoked, err := b.s.RevokeAPIKey(b.ctx, b.brand.ID, k.ID)
	if err != nil {
		t.Fatal(err)
	}
	if revoked.RevokedAt == nil || !revoked.RevokedAt.Equal(b.clock.Now()) || revoked.Name != k.Name {
		t.Fatalf("revoked: got %+v", revoked)
	}
	_, err = b.s.BrandByAPIKey(b.ctx, key)
	wantCode(t, err, trail.ENOTFOUND)
	_, err = b.s.RevokeAPIKey(b.ctx, b.brand.ID, k.ID)
	wantCode(t, err, trail.ECONFLICT)
	_, err = b.s.RevokeAPIKey(b.ctx, b.brand.ID, k.ID+1000)
	wantCode(t, err, trail.ENOTFOUND)
	keys, _ = b.s.APIKeys(b.ctx, b.brand.ID)
	if keys[0].RevokedAt == nil || keys[0].Live() || !keys[1].Live() {
		t.Fatalf("after revocation: got %+v", keys)
	}
}

func testAPIKeyLastUsed(t *testing.T, open OpenFunc) {
	b := setup(t, open)
	k, key := mustAPIKey(t, b, b.brand.ID, "ERP")
	lastUsed := func() *time.Time {
		t.Helper()
		keys, err := b.s.APIKeys(b.ctx, b.brand.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, got := range keys {
			if got.ID == k.ID {
				return got.LastUsedAt
			}
		}
		t.Fatal("key not listed")
		return nil
	}
	use := func() {
		t.Helper()
		if _, err := b.s.BrandByAPIKey(b.ctx, key); err != nil {
			t.Fatal(err)
		}
	}
	if lastUsed() != nil {
		t.Fatal("a new key has a last use")
	}
	t0 := b.clock.Now()
	use()
	if got := lastUsed(); got == nil || !got.Equal(t0) {
		t.Fatalf("after the first use: got %v, want %v", got, t0)
	}
	// Within the interval, uses are not written.
	b.clock.Set(t0.Add(trail.APIKeyTouchInterval - time.Second))
	use()
	if got := lastUsed(); !got.Equal(t0) {
		t.Fatalf("within the interval: got %v, want still %v", got, t0)
	}
	// After it, the next use is.
	t1 := t0.Add(trail.APIKeyTouchInterval)
	b.clock.Set(t1)
	use()
	if got := lastUsed(); !got.Equal(t1) {
		t.Fatalf("after the interval: got %v, want %v", got, t1)
	}
	// Concurrent uses agree on one write.
	t2 := t1.Add(5 * time.Minute)
	b.clock.Set(t2)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := b.s.BrandByAPIKey(b.ctx, key); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := lastUsed(); !got.Equal(t2) {
		t.Fatalf("after concurrent uses: got %v, want %v", got, t2)
	}
	// Another key of the brand is untouched.
	keys, _ := b.s.APIKeys(b.ctx, b.brand.ID)
	for _, other := range keys {
		if other.ID != k.ID && other.LastUsedAt != nil {
			t.Fatalf("unused key %d has a last use", other.ID)
		}
	}
}

func testAPIKeyLimit(t *testing.T, open OpenFunc) {
	b := setup(t, open)
	// The brand's first key counts: MaxAPIKeys live keys in all.
	for i := 1; i < trail.MaxAPIKeys; i++ {
		mustAPIKey(t, b, b.brand.ID, "key")
	}
	_, err := b.s.CreateAPIKey(b.ctx, b.brand.ID, &trail.APIKey{Name: "one too many"})
	wantCode(t, err, trail.ECONFLICT)
	// Another brand has its own budget.
	mustAPIKey(t, b, b.other.ID, "rival")
	// A revoked key frees its place.
	keys, _ := b.s.APIKeys(b.ctx, b.brand.ID)
	if _, err := b.s.RevokeAPIKey(b.ctx, b.brand.ID, keys[0].ID); err != nil {
		t.Fatal(err)
	}
	mustAPIKey(t, b, b.brand.ID, "replacement")
}
