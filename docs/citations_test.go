// Package docs holds the repository's architecture and protocol documents;
// its test keeps the code's citations of them true.
package docs_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var (
	// citation is a document of docs/ named with the sections it cites:
	// "docs/ARCHITECTURE.md §5 rule 2", "CARRIER-PROTOCOLS.md §1.1 and
	// §1.3", "docs/CARRIER-PROTOCOLS.md §1–§3, §8".
	citation = regexp.MustCompile(`(?:docs/)?([A-Z][A-Z0-9-]+\.md)((?:\s*(?:,|;|and|–)?\s*§[0-9]+(?:\.[0-9]+)*)+)`)
	section  = regexp.MustCompile(`§([0-9]+(?:\.[0-9]+)*)`)
	// heading numbers a section: "## 5. Ingestion rules", "### 1.1 Request".
	heading = regexp.MustCompile(`(?m)^#+\s+([0-9]+(?:\.[0-9]+)*)\.?\s`)
	// outside cites a document that is not in the repository.
	outside = regexp.MustCompile(`DESIGN(?:\.md)?\s+§|reference(?:/[a-z-]+\.md)?\s+§`)
	// continuation joins a comment's lines, so a citation may span them.
	continuation = regexp.MustCompile(`\n\s*(?://|--|#)?\s*`)
)

// TestCitationsResolve checks that every citation of a section of a
// document under docs/, in the code, the migrations, the OpenAPI document
// and the documents themselves, names a section that exists, and that
// nothing cites a document that is not in the repository.
func TestCitationsResolve(t *testing.T) {
	sections := map[string]map[string]bool{} // document → section numbers
	docs, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range docs {
		raw, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		sections[name] = map[string]bool{}
		for _, m := range heading.FindAllStringSubmatch(string(raw), -1) {
			sections[name][m[1]] = true
		}
	}
	cited := 0
	err = filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") && path != ".." {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(path) {
		case ".go", ".sql", ".yaml", ".md":
		default:
			return nil
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		text := continuation.ReplaceAllString(string(raw), " ")
		if m := outside.FindString(text); m != "" {
			t.Errorf("%s cites %q, which is not in the repository: cite docs/ instead", path, m)
		}
		for _, m := range citation.FindAllStringSubmatch(text, -1) {
			doc, ok := sections[m[1]]
			if !ok {
				t.Errorf("%s cites %s, which is not under docs/", path, m[1])
				continue
			}
			for _, s := range section.FindAllStringSubmatch(m[2], -1) {
				cited++
				if !doc[s[1]] {
					t.Errorf("%s cites %s §%s, which has no such section", path, m[1], s[1])
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if cited < 50 {
		t.Errorf("found %d citations, want the code's 50 or more: is the pattern still right?", cited)
	}
}
