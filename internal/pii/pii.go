// Package pii protects personal data at rest: it seals names, phone numbers
// and street details with AES-256-GCM under a key that can rotate, and derives
// keyed hashes of them for look-ups. A *Keyring implements trail.Sealer.
//
// A sealed value is laid out as
//
//	version (1 byte) || key id (4 bytes) || nonce (12 bytes) || ciphertext and tag
//
// where the version and the key id are authenticated as additional data.
package pii

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
)

// KeySize is the length in bytes of a master key.
const KeySize = 32

const (
	version    = 1
	idSize     = 4
	headerSize = 1 + idSize
	// minSealed is the header, the 12-byte nonce and the 16-byte tag.
	minSealed = headerSize + 12 + 16

	// HKDF info strings; changing them changes every derived key.
	infoSeal = "bottletrail/pii/v1/aes-256-gcm"
	infoHash = "bottletrail/pii/v1/hmac-sha256"
)

// Errors returned by Open; they are wrapped with detail, so compare them with
// errors.Is.
var (
	// ErrTooShort means the input is shorter than any sealed value.
	ErrTooShort = errors.New("pii: sealed value too short")
	// ErrVersion means the input's version byte is not one Open knows.
	ErrVersion = errors.New("pii: unknown sealed value version")
	// ErrUnknownKey means no key in the Keyring has the input's key id.
	ErrUnknownKey = errors.New("pii: unknown key id")
	// ErrAuth means the input was not sealed by the key its id names, or was
	// altered after sealing.
	ErrAuth = errors.New("pii: sealed value failed authentication")
)

// Keyring seals with a primary key and opens with the primary or any previous
// key, so keys can rotate without re-sealing stored data at once. It hashes
// with a key derived from the primary key only, so hashes stay stable while
// the primary key does; a new primary key changes every hash, and stored
// hashes must then be recomputed from the opened values. A Keyring is safe
// for concurrent use.
type Keyring struct {
	primary [idSize]byte
	aeads   map[[idSize]byte]cipher.AEAD
	hashKey []byte
}

// New returns a Keyring that seals with primary and also opens values sealed
// with any of the previous keys. Every key must be KeySize bytes long.
func New(primary []byte, previous ...[]byte) (*Keyring, error) {
	k := &Keyring{aeads: make(map[[idSize]byte]cipher.AEAD)}
	derived := make(map[[idSize]byte][]byte) // key id → encryption key
	for i, master := range append([][]byte{primary}, previous...) {
		name := "primary key"
		if i > 0 {
			name = fmt.Sprintf("previous key %d", i)
		}
		if len(master) != KeySize {
			return nil, fmt.Errorf("pii: %s is %d bytes, want %d", name, len(master), KeySize)
		}
		encKey, err := hkdf.Key(sha256.New, master, nil, infoSeal, 32)
		if err != nil {
			return nil, fmt.Errorf("pii: derive %s: %w", name, err)
		}
		sum := sha256.Sum256(encKey)
		id := [idSize]byte(sum[:idSize])
		if i == 0 {
			k.primary = id
			if k.hashKey, err = hkdf.Key(sha256.New, master, nil, infoHash, 32); err != nil {
				return nil, fmt.Errorf("pii: derive hash key: %w", err)
			}
		}
		if prev, ok := derived[id]; ok {
			if !hmac.Equal(prev, encKey) {
				return nil, fmt.Errorf("pii: %s has the same key id %x as an earlier key", name, id)
			}
			continue // the same key listed twice
		}
		derived[id] = encKey
		block, err := aes.NewCipher(encKey)
		if err != nil {
			return nil, fmt.Errorf("pii: %s: %w", name, err)
		}
		if k.aeads[id], err = cipher.NewGCMWithRandomNonce(block); err != nil {
			return nil, fmt.Errorf("pii: %s: %w", name, err)
		}
	}
	return k, nil
}

// Seal encrypts plaintext with the primary key under a fresh random nonce.
// Sealing the same plaintext twice gives different results. The error is
// always nil; it is there to satisfy trail.Sealer.
func (k *Keyring) Seal(plaintext string) ([]byte, error) {
	header := [headerSize]byte{version}
	copy(header[1:], k.primary[:])
	out := make([]byte, headerSize, minSealed+len(plaintext))
	copy(out, header[:])
	return k.aeads[k.primary].Seal(out, nil, []byte(plaintext), header[:]), nil
}

// Open decrypts a value produced by Seal with the key its key id names, which
// may be the primary key or a previous one. It fails, without panicking, on
// any input that Seal did not produce with one of the Keyring's keys.
func (k *Keyring) Open(sealed []byte) (string, error) {
	if len(sealed) == 0 {
		return "", ErrTooShort
	}
	if sealed[0] != version {
		return "", fmt.Errorf("%w %d", ErrVersion, sealed[0])
	}
	if len(sealed) < minSealed {
		return "", fmt.Errorf("%w: %d bytes, want at least %d", ErrTooShort, len(sealed), minSealed)
	}
	id := [idSize]byte(sealed[1:headerSize])
	aead, ok := k.aeads[id]
	if !ok {
		return "", fmt.Errorf("%w %x", ErrUnknownKey, id)
	}
	plaintext, err := aead.Open(nil, nil, sealed[headerSize:], sealed[:headerSize])
	if err != nil {
		return "", fmt.Errorf("%w (key id %x)", ErrAuth, id)
	}
	return string(plaintext), nil
}

// Hash returns the 32-byte HMAC-SHA256, under the Keyring's hash key, of
// domain, a zero byte and value. Equal values give equal hashes within a
// domain and, for Keyrings with the same primary key, across Keyrings; the
// same value gives unrelated hashes in different domains. Domains are fixed
// names such as trail.HashPhone and must not contain a zero byte.
func (k *Keyring) Hash(domain, value string) []byte {
	mac := hmac.New(sha256.New, k.hashKey)
	mac.Write([]byte(domain))
	mac.Write([]byte{0})
	mac.Write([]byte(value))
	return mac.Sum(nil)
}
