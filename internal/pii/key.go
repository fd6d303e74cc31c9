package pii

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// EnvKey is the environment variable whose value a caller passes to LoadKey.
const EnvKey = "BOTTLETRAIL_SECRET_KEY"

// LoadKey returns the master key. If envValue, the value of EnvKey, is not
// empty, it is decoded as base64 (standard or raw URL alphabet) or as 64 hex
// digits. Otherwise the key is read from keyFile, which holds it in base64 and
// must not be readable or writable by group or others; if keyFile does not
// exist, LoadKey creates it, and its directory, with a fresh random key and
// reports created. Concurrent callers creating the same file all get the key
// that ends up in it.
func LoadKey(envValue, keyFile string) (key []byte, created bool, err error) {
	if envValue != "" {
		key, err := decodeKey(envValue)
		if err != nil {
			return nil, false, fmt.Errorf("pii: %s: %w", EnvKey, err)
		}
		return key, false, nil
	}
	if keyFile == "" {
		return nil, false, fmt.Errorf("pii: no key: set %s or give a key file", EnvKey)
	}
	key, err = readKeyFile(keyFile)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, false, err
	}
	key, err = createKeyFile(keyFile)
	if errors.Is(err, fs.ErrExist) { // another process created it first
		key, err = readKeyFile(keyFile)
		return key, false, err
	}
	return key, err == nil, err
}

// EncodeKey returns key in standard base64, the form LoadKey reads.
func EncodeKey(key []byte) string {
	return base64.StdEncoding.EncodeToString(key)
}

// decodeKey decodes 64 hex digits or base64 (standard or raw URL) into a key
// of KeySize bytes.
func decodeKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) == 2*KeySize {
		if key, err := hex.DecodeString(s); err == nil {
			return key, nil
		}
	}
	key, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		key, err = base64.RawURLEncoding.DecodeString(s)
	}
	if err != nil {
		return nil, errors.New("key is neither base64 nor 64 hex digits")
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("key is %d bytes, want %d", len(key), KeySize)
	}
	return key, nil
}

// readKeyFile reads and decodes a key file after checking its mode. A missing
// file yields an error matching fs.ErrNotExist.
func readKeyFile(name string) ([]byte, error) {
	info, err := os.Stat(name)
	if err != nil {
		return nil, fmt.Errorf("pii: key file: %w", err)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("pii: key file %s has mode %04o, want 0600 (run chmod 600 on it)", name, perm)
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("pii: key file: %w", err)
	}
	key, err := decodeKey(string(data))
	if err != nil {
		return nil, fmt.Errorf("pii: key file %s: %w", name, err)
	}
	return key, nil
}

// createKeyFile writes a fresh random key to name with mode 0600. It writes a
// temporary file in the same directory and links it into place, so name
// never holds a partial key and an existing file is never replaced: if name
// appears meanwhile, the error matches fs.ErrExist.
func createKeyFile(name string) ([]byte, error) {
	dir := filepath.Dir(name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("pii: key file: %w", err)
	}
	key := make([]byte, KeySize)
	rand.Read(key) // never fails

	tmp, err := os.CreateTemp(dir, ".key-*") // mode 0600
	if err != nil {
		return nil, fmt.Errorf("pii: key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(EncodeKey(key) + "\n")
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Link(tmp.Name(), name)
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		return nil, fmt.Errorf("pii: create key file: %w", err)
	}
	return key, nil
}

// syncDir flushes dir so that a new entry in it survives a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
