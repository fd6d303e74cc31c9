package pii_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/bottletrail/bottletrail/internal/pii"
	"github.com/bottletrail/bottletrail/internal/trail"
)

var _ trail.Sealer = (*pii.Keyring)(nil)

// masterKey returns a fixed 32-byte key made of b.
func masterKey(b byte) []byte { return bytes.Repeat([]byte{b}, pii.KeySize) }

func newKeyring(t testing.TB, primary []byte, previous ...[]byte) *pii.Keyring {
	t.Helper()
	k, err := pii.New(primary, previous...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func seal(t testing.TB, k *pii.Keyring, s string) []byte {
	t.Helper()
	sealed, err := k.Seal(s)
	if err != nil {
		t.Fatal(err)
	}
	return sealed
}

func TestNewRejectsWrongKeySize(t *testing.T) {
	for _, tc := range []struct {
		name     string
		primary  []byte
		previous [][]byte
	}{
		{"nil primary", nil, nil},
		{"short primary", make([]byte, 31), nil},
		{"long primary", make([]byte, 33), nil},
		{"short previous", masterKey(1), [][]byte{make([]byte, 16)}},
	} {
		if _, err := pii.New(tc.primary, tc.previous...); err == nil {
			t.Errorf("%s: New succeeded", tc.name)
		}
	}
	// The same key listed twice is harmless.
	newKeyring(t, masterKey(1), masterKey(1), masterKey(2), masterKey(2))
}

func TestSealOpenRoundTrip(t *testing.T) {
	k := newKeyring(t, masterKey(1))
	for _, s := range []string{"", "13812348000", "张三", "浙江省杭州市西湖区文三路 90 号 3 幢 1201 室", "\x00\xff not utf-8"} {
		sealed := seal(t, k, s)
		if len(sealed) != 1+4+12+len(s)+16 {
			t.Errorf("Seal(%q) is %d bytes", s, len(sealed))
		}
		if sealed[0] != 1 {
			t.Errorf("Seal(%q) has version %d", s, sealed[0])
		}
		got, err := k.Open(sealed)
		if err != nil || got != s {
			t.Errorf("Open(Seal(%q)) = %q, %v", s, got, err)
		}
	}
}

func TestSealIsRandomised(t *testing.T) {
	k := newKeyring(t, masterKey(1))
	a, b := seal(t, k, "张三"), seal(t, k, "张三")
	if bytes.Equal(a, b) {
		t.Fatal("two seals of the same text are equal")
	}
	if !bytes.Equal(a[:5], b[:5]) {
		t.Errorf("headers differ: %x, %x", a[:5], b[:5])
	}
}

func TestOpenRejectsTampering(t *testing.T) {
	k := newKeyring(t, masterKey(1))
	sealed := seal(t, k, "13812348000")
	for i := range sealed {
		bad := bytes.Clone(sealed)
		bad[i] ^= 0x01
		var want error
		switch {
		case i == 0:
			want = pii.ErrVersion
		case i < 5:
			want = pii.ErrUnknownKey
		default:
			want = pii.ErrAuth
		}
		if got, err := k.Open(bad); !errors.Is(err, want) {
			t.Errorf("byte %d flipped: Open = %q, %v; want %v", i, got, err, want)
		}
	}
	for n := range sealed {
		if _, err := k.Open(sealed[:n]); err == nil {
			t.Errorf("Open of the first %d bytes succeeded", n)
		}
	}
	if _, err := k.Open(append(bytes.Clone(sealed), 0)); !errors.Is(err, pii.ErrAuth) {
		t.Errorf("Open with a byte appended: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	k := newKeyring(t, masterKey(1))
	other := newKeyring(t, masterKey(2))
	valid := seal(t, k, "张三")
	for _, tc := range []struct {
		name  string
		input []byte
		want  error
	}{
		{"nil", nil, pii.ErrTooShort},
		{"header only", valid[:5], pii.ErrTooShort},
		{"no tag", valid[:len(valid)-16], pii.ErrTooShort},
		{"version 2", append([]byte{2}, valid[1:]...), pii.ErrVersion},
		{"other key", seal(t, other, "张三"), pii.ErrUnknownKey},
	} {
		if _, err := k.Open(tc.input); !errors.Is(err, tc.want) {
			t.Errorf("%s: Open error %v, want %v", tc.name, err, tc.want)
		} else if msg := err.Error(); !strings.HasPrefix(msg, "pii: ") || strings.HasSuffix(msg, ".") {
			t.Errorf("%s: badly formed error %q", tc.name, msg)
		}
	}
}

func TestRotation(t *testing.T) {
	oldKey, newKey := masterKey(1), masterKey(2)
	before := newKeyring(t, oldKey)
	oldSealed := seal(t, before, "欧阳娜娜")

	after := newKeyring(t, newKey, oldKey)
	if got, err := after.Open(oldSealed); err != nil || got != "欧阳娜娜" {
		t.Fatalf("Open of a value sealed with the previous key = %q, %v", got, err)
	}
	newSealed := seal(t, after, "欧阳娜娜")
	if bytes.Equal(newSealed[1:5], oldSealed[1:5]) {
		t.Errorf("Seal after rotation still uses key id %x", oldSealed[1:5])
	}
	if _, err := before.Open(newSealed); !errors.Is(err, pii.ErrUnknownKey) {
		t.Errorf("old Keyring opened a value sealed with the new key: %v", err)
	}
	if got, err := newKeyring(t, newKey).Open(newSealed); err != nil || got != "欧阳娜娜" {
		t.Errorf("new key alone: Open = %q, %v", got, err)
	}
	if _, err := newKeyring(t, newKey).Open(oldSealed); !errors.Is(err, pii.ErrUnknownKey) {
		t.Errorf("Open without the previous key: %v", err)
	}
}

func TestHash(t *testing.T) {
	k := newKeyring(t, masterKey(1))
	h := k.Hash(trail.HashPhone, "13812348000")
	if len(h) != 32 {
		t.Fatalf("Hash is %d bytes", len(h))
	}
	if !bytes.Equal(h, k.Hash(trail.HashPhone, "13812348000")) {
		t.Error("Hash is not deterministic")
	}
	if bytes.Equal(h, k.Hash(trail.HashName, "13812348000")) {
		t.Error("Hash is the same in two domains")
	}
	if bytes.Equal(h, k.Hash(trail.HashPhone, "13812348001")) {
		t.Error("Hash is the same for two values")
	}
	if bytes.Equal(k.Hash("a", "bc"), k.Hash("ab", "c")) {
		t.Error("domain and value run together")
	}
	if !bytes.Equal(h, newKeyring(t, masterKey(1), masterKey(3)).Hash(trail.HashPhone, "13812348000")) {
		t.Error("Hash differs between Keyrings with the same primary key")
	}
	if bytes.Equal(h, newKeyring(t, masterKey(2), masterKey(1)).Hash(trail.HashPhone, "13812348000")) {
		t.Error("Hash uses a previous key")
	}
}

func TestLoadKeyFromEnv(t *testing.T) {
	want := make([]byte, pii.KeySize)
	for i := range want {
		want[i] = byte(i*7 + 250) // encodes with '+' in base64 and '-' in URL base64
	}
	keyFile := filepath.Join(t.TempDir(), "key") // must not be touched
	for _, env := range []string{
		pii.EncodeKey(want),
		base64.RawURLEncoding.EncodeToString(want),
		hex.EncodeToString(want),
		strings.ToUpper(hex.EncodeToString(want)),
		pii.EncodeKey(want) + "\n",
	} {
		got, created, err := pii.LoadKey(env, keyFile)
		if err != nil || created || !bytes.Equal(got, want) {
			t.Errorf("LoadKey(%q) = %x, %v, %v", env, got, created, err)
		}
	}
	if _, err := os.Stat(keyFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadKey from the environment touched the key file: %v", err)
	}
	for _, env := range []string{
		pii.EncodeKey(want[:16]),
		pii.EncodeKey(append(bytes.Clone(want), 0)),
		hex.EncodeToString(want[:31]),
		"not a key!",
	} {
		if _, _, err := pii.LoadKey(env, keyFile); err == nil || !strings.Contains(err.Error(), pii.EnvKey) {
			t.Errorf("LoadKey(%q) error %v", env, err)
		}
	}
}

func TestLoadKeyFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "secret")
	keyFile := filepath.Join(dir, "pii.key")
	key, created, err := pii.LoadKey("", keyFile)
	if err != nil || !created || len(key) != pii.KeySize {
		t.Fatalf("first LoadKey = %x, %v, %v", key, created, err)
	}
	for name, want := range map[string]os.FileMode{keyFile: 0o600, dir: 0o700} {
		info, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm(); got != want {
			t.Errorf("%s: mode %04o, want %04o", name, got, want)
		}
	}
	data, err := os.ReadFile(keyFile)
	if err != nil || string(data) != pii.EncodeKey(key)+"\n" {
		t.Errorf("key file holds %q, %v", data, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("key directory holds %d entries, want 1", len(entries))
	}

	again, created, err := pii.LoadKey("", keyFile)
	if err != nil || created || !bytes.Equal(again, key) {
		t.Errorf("second LoadKey = %x, %v, %v; want %x", again, created, err, key)
	}
	if _, err := pii.New(key); err != nil {
		t.Error(err)
	}

	if err := os.Chmod(keyFile, 0o640); err != nil {
		t.Fatal(err)
	}
	if _, _, err := pii.LoadKey("", keyFile); err == nil || !strings.Contains(err.Error(), "0640") {
		t.Errorf("LoadKey of a 0640 key file: %v", err)
	}
}

func TestLoadKeyFileErrors(t *testing.T) {
	if _, _, err := pii.LoadKey("", ""); err == nil {
		t.Error("LoadKey with neither a key nor a file succeeded")
	}
	bad := filepath.Join(t.TempDir(), "bad.key")
	if err := os.WriteFile(bad, []byte("c2hvcnQ=\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := pii.LoadKey("", bad); err == nil || !strings.Contains(err.Error(), "5 bytes") {
		t.Errorf("LoadKey of a short key file: %v", err)
	}
}

func TestLoadKeyFileConcurrentCreate(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "pii.key")
	const n = 16
	var wg sync.WaitGroup
	keys := make([][]byte, n)
	created := make([]bool, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { keys[i], created[i], errs[i] = pii.LoadKey("", keyFile) })
	}
	wg.Wait()
	creators := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if !bytes.Equal(keys[i], keys[0]) {
			t.Errorf("caller %d got key %x, caller 0 got %x", i, keys[i], keys[0])
		}
		if created[i] {
			creators++
		}
	}
	if creators != 1 {
		t.Errorf("%d callers report creating the key file, want 1", creators)
	}
}

func FuzzOpen(f *testing.F) {
	k := newKeyring(f, masterKey(1), masterKey(2))
	old := newKeyring(f, masterKey(2))
	for _, s := range []string{"", "张三", "13812348000"} {
		f.Add(seal(f, k, s))
		f.Add(seal(f, old, s))
	}
	f.Add([]byte{})
	f.Add([]byte{1})
	f.Add([]byte{1, 0, 0, 0, 0})
	f.Add(make([]byte, 33))
	f.Fuzz(func(t *testing.T, sealed []byte) {
		got, err := k.Open(sealed)
		if err != nil {
			return
		}
		if len(sealed) != 1+4+12+len(got)+16 {
			t.Fatalf("Open accepted %d bytes as %d bytes of plaintext", len(sealed), len(got))
		}
	})
}
