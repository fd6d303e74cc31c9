package main

import (
	"runtime/debug"
	"strings"
)

// isHelp reports whether a command-line word asks for help.
func isHelp(arg string) bool {
	switch arg {
	case "help", "-h", "-help", "--help":
		return true
	}
	return false
}

// version describes the running binary from its build information: the
// module version when it was built from a tagged module (go install
// ...@v1.2.3), else the VCS revision and commit time that `go build`
// stamps, marked "+dirty" for a modified work tree; "devel" when neither is
// known (go run, go test).
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	return describeBuild(info)
}

// describeBuild is version for given build information.
func describeBuild(info *debug.BuildInfo) string {
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, at string
	dirty := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "devel"
	}
	parts := []string{"devel", rev[:min(len(rev), 12)]}
	if dirty {
		parts[1] += "+dirty"
	}
	if at != "" {
		parts = append(parts, at)
	}
	return strings.Join(parts, " ")
}
