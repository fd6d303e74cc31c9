package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"runtime/debug"
	"strings"
	"testing"
)

func TestDescribeBuild(t *testing.T) {
	vcs := func(kv ...string) []debug.BuildSetting {
		var out []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			out = append(out, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return out
	}
	tests := []struct {
		name string
		info debug.BuildInfo
		want string
	}{
		{"tagged module", debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}}, "v1.4.0"},
		{"vcs stamp", debug.BuildInfo{Main: debug.Module{Version: "(devel)"},
			Settings: vcs("vcs.revision", "0123456789abcdef0123", "vcs.time", "2026-12-01T10:00:00Z", "vcs.modified", "false")},
			"devel 0123456789ab 2026-12-01T10:00:00Z"},
		{"dirty tree", debug.BuildInfo{Main: debug.Module{Version: "(devel)"},
			Settings: vcs("vcs.revision", "abc", "vcs.modified", "true")}, "devel abc+dirty"},
		{"nothing known", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "devel"},
	}
	for _, tt := range tests {
		if got := describeBuild(&tt.info); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestHelpAndVersion runs every command's -h, which must succeed and print
// that command's usage, and --version / version.
func TestHelpAndVersion(t *testing.T) {
	tests := []struct {
		args []string
		want string // in stdout or stderr
	}{
		{[]string{"-h"}, "Usage:"},
		{[]string{"--help"}, "Usage:"},
		{[]string{"serve", "-h"}, "-public-url"},
		{[]string{"serve", "--help"}, "-public-url"},
		{[]string{"demo", "-h"}, "-addr"},
		{[]string{"migrate", "-h"}, "-db"},
		{[]string{"brand", "-h"}, "brand create"},
		{[]string{"brand", "create", "-h"}, "-slug"},
		{[]string{"user", "-h"}, "user grant"},
		{[]string{"user", "create", "-h"}, "-role"},
		{[]string{"user", "grant", "-h"}, "-role"},
		{[]string{"carriersim", "-h"}, "-speed"},
		{[]string{"seed", "-h"}, "-parcels"},
		{[]string{"--version"}, "bottletrail "},
		{[]string{"version"}, "bottletrail "},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		m := &Main{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }}
		if err := m.Run(context.Background(), tt.args); err != nil {
			t.Errorf("%v: got %v, want success", tt.args, err)
		}
		if out := stdout.String() + stderr.String(); !strings.Contains(out, tt.want) {
			t.Errorf("%v: output lacks %q:\n%s", tt.args, tt.want, out)
		}
	}
	var stderr bytes.Buffer
	m := &Main{Stdout: &stderr, Stderr: &stderr, Getenv: func(string) string { return "" }}
	if err := m.Run(context.Background(), nil); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("no command: got %v, want flag.ErrHelp (a usage error)", err)
	}
}
