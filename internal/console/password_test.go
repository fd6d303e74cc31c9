package console

import (
	"strings"
	"testing"
)

var cheap = PasswordParams{Memory: 64, Time: 1, Threads: 1}

func TestConsoleHashPassword(t *testing.T) {
	h, err := HashPasswordWith("correct horse battery", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") || strings.Count(h, "$") != 5 {
		t.Fatalf("PHC string: got %q", h)
	}
	again, _ := HashPasswordWith("correct horse battery", cheap)
	if again == h {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	for pw, want := range map[string]bool{"correct horse battery": true, "correct horse battery ": false, "Correct horse battery": false, "": false} {
		if ok, err := CheckPassword(h, pw); err != nil || ok != want {
			t.Errorf("CheckPassword(%q): got %v, %v, want %v", pw, ok, err, want)
		}
	}
	if _, err := HashPasswordWith("short", cheap); err == nil {
		t.Error("a 5-character password was accepted")
	}
	if _, err := HashPasswordWith(strings.Repeat("x", 257), cheap); err == nil {
		t.Error("a 257-byte password was accepted")
	}
	if ok, err := CheckPassword(h, strings.Repeat("x", 10000)); ok || err != nil {
		t.Errorf("a huge password: got %v, %v", ok, err)
	}
	d, err := HashPassword("the default parameters")
	if err != nil || !strings.HasPrefix(d, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Fatalf("default hash: got %q, %v", d, err)
	}
	if ok, _ := CheckPassword(d, "the default parameters"); !ok {
		t.Fatal("the default hash does not check")
	}
}

// badHashes are stored hashes CheckPassword must refuse without running
// argon2 on them; they seed the fuzz test too.
var badHashes = []string{
	"",
	"plain text",
	"$2a$10$abcdefghijklmnopqrstuv", // bcrypt
	"$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
	"$argon2id$v=16$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
	"$argon2id$v=19$m=64,t=0,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
	"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
	"$argon2id$v=19$m=64,t=1,p=0$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
	"$argon2id$v=19$m=64,t=1,p=999$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
	"$argon2id$v=19$m=64,t=1,x=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
	"$argon2id$v=19$m=64,t=1,p=1$!!!$aGFzaGhhc2hoYXNoaGFzaA",
	"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$c2hvcnQ",
	"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ",
}

func TestConsoleCheckPasswordRefusesBadHashes(t *testing.T) {
	for _, h := range badHashes {
		if ok, err := CheckPassword(h, "correct horse battery"); ok || err == nil {
			t.Errorf("CheckPassword(%q): got %v, %v, want an error", h, ok, err)
		}
	}
}

func FuzzConsoleCheckPassword(f *testing.F) {
	good, _ := HashPasswordWith("correct horse battery", cheap)
	f.Add(good, "correct horse battery")
	for _, h := range badHashes {
		f.Add(h, "x")
	}
	f.Fuzz(func(t *testing.T, hash, password string) {
		p, _, _, err := parseHash(hash)
		if err != nil {
			return
		}
		if p.Memory > 4096 || p.Time > 3 {
			return // valid but too costly to run here
		}
		if ok, err := CheckPassword(hash, password); err != nil {
			t.Fatalf("parsed hash %q fails to check: %v (%v)", hash, err, ok)
		}
	})
}

func TestConsoleSafeNext(t *testing.T) {
	for next, want := range map[string]string{
		"/console/orders":            "/console/orders",
		"/console/orders/A-1?x=1":    "/console/orders/A-1?x=1",
		"/console/login?next=/x":     "",
		"/console":                   "",
		"//evil.example":             "",
		"/console//evil.example":     "",
		"https://evil.example":       "",
		"/console/\\\\evil":          "",
		"/console/a\r\nSet-Cookie:x": "",
		"":                           "",
	} {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q): got %q, want %q", next, got, want)
		}
	}
}
