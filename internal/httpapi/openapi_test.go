package httpapi_test

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/bottletrail/bottletrail/internal/httpapi"
	"gopkg.in/yaml.v3"
)

// openAPIDoc is the part of an OpenAPI document the tests read.
type openAPIDoc struct {
	OpenAPI    string                               `yaml:"openapi"`
	Paths      map[string]map[string]any            `yaml:"paths"`
	Components map[string]map[string]map[string]any `yaml:"components"`
}

// operationKeys are the keys of an OpenAPI path item that name operations.
var operationKeys = map[string]bool{
	"get": true, "put": true, "post": true, "delete": true, "options": true, "head": true, "patch": true, "trace": true,
}

// wildcard matches the ServeMux wildcards that OpenAPI spells differently.
var wildcard = regexp.MustCompile(`\{\$\}|\{([A-Za-z_][A-Za-z0-9_]*)\.\.\.\}`)

// openAPIPath converts a ServeMux path pattern to an OpenAPI path:
// "{name...}" becomes "{name}" and "{$}" is dropped.
func openAPIPath(pattern string) string {
	return wildcard.ReplaceAllStringFunc(pattern, func(m string) string {
		if m == "{$}" {
			return ""
		}
		return "{" + strings.TrimSuffix(m[1:len(m)-1], "...") + "}"
	})
}

// routeMismatches lists the differences between the routes and the paths of
// an OpenAPI document: routes the document lacks, operations the server
// lacks, and operations whose security disagrees with the route's Auth.
func routeMismatches(routes []httpapi.Route, paths map[string]map[string]any) []string {
	var out []string
	served := map[string]bool{}
	for _, r := range routes {
		path, method := openAPIPath(r.Pattern), strings.ToLower(r.Method)
		served[method+" "+path] = true
		op, ok := paths[path][method].(map[string]any)
		if !ok {
			out = append(out, "route "+r.Method+" "+r.Pattern+" is missing from openapi.yaml")
			continue
		}
		security, has := op["security"].([]any)
		if open := has && len(security) == 0; open == r.Auth {
			out = append(out, "route "+r.Method+" "+r.Pattern+": the document's security disagrees with the route's Auth")
		}
	}
	for path, item := range paths {
		for method := range item {
			if operationKeys[method] && !served[method+" "+path] {
				out = append(out, "openapi.yaml lists "+strings.ToUpper(method)+" "+path+", which the server lacks")
			}
		}
	}
	slices.Sort(out)
	return out
}

// mustOpenAPI fetches and parses the document the server serves.
func mustOpenAPI(t *testing.T, b *testBundle) openAPIDoc {
	t.Helper()
	rec := b.do(t, "GET", "/api/v1/openapi.yaml", "", "")
	mustStatus(t, rec, http.StatusOK)
	if got := rec.Header().Get("Content-Type"); !strings.HasPrefix(got, "application/yaml") {
		t.Errorf("Content-Type: got %q, want application/yaml", got)
	}
	var doc openAPIDoc
	if err := yaml.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatalf("parse openapi.yaml: %v", err)
	}
	return doc
}

func TestOpenAPICoversRoutes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	doc := mustOpenAPI(t, b)
	if !strings.HasPrefix(doc.OpenAPI, "3.0.") {
		t.Errorf("openapi: got %q, want 3.0.x", doc.OpenAPI)
	}
	for _, m := range routeMismatches(b.server.Routes(), doc.Paths) {
		t.Error(m)
	}
}

// pathsFor returns the paths of a document that matches the routes exactly:
// each route an operation, open routes with security [].
func pathsFor(routes []httpapi.Route) map[string]map[string]any {
	paths := map[string]map[string]any{}
	for _, r := range routes {
		path := openAPIPath(r.Pattern)
		if paths[path] == nil {
			paths[path] = map[string]any{"parameters": []any{}}
		}
		op := map[string]any{"responses": map[string]any{}}
		if !r.Auth {
			op["security"] = []any{}
		}
		paths[path][strings.ToLower(r.Method)] = op
	}
	return paths
}

// TestRouteMismatches shows that the coverage check fails both ways: routes
// the document lacks and operations the server lacks, and security that
// disagrees with the route in either direction. It starts from a document
// built from the route table, so it does not depend on openapi.yaml (which
// TestOpenAPICoversRoutes checks) and keeps working as routes are added.
func TestRouteMismatches(t *testing.T) {
	t.Parallel()
	routes := setup(t).server.Routes()
	paths := pathsFor(routes)
	if got := routeMismatches(routes, paths); len(got) != 0 {
		t.Fatalf("a document built from the routes has mismatches: %q", got)
	}
	op := func(path, method string) map[string]any {
		t.Helper()
		o, ok := paths[path][method].(map[string]any)
		if !ok {
			t.Fatalf("the route table lacks %s %s, which this test mismatches", strings.ToUpper(method), path)
		}
		return o
	}

	// Missing from the document: one operation of a path, and a whole path.
	op("/api/v1/batches/{batch_no}/events", "post")
	delete(paths["/api/v1/batches/{batch_no}/events"], "post")
	op("/api/v1/carriers/detect", "get")
	delete(paths, "/api/v1/carriers/detect")
	// Not served: a whole path, and another method of a served path.
	paths["/api/v1/ghosts"] = map[string]any{"parameters": []any{}, "get": map[string]any{}}
	paths["/api/v1/carrier-accounts"]["delete"] = map[string]any{}
	// Security: open routes that lose security [], an authenticated route
	// declared open.
	delete(op("/healthz", "get"), "security")
	delete(op("/hooks/{provider}/{brand}", "post"), "security")
	op("/api/v1/carriers/{carrier}", "put")["security"] = []any{}

	got := routeMismatches(routes, paths)
	want := []string{
		"openapi.yaml lists DELETE /api/v1/carrier-accounts, which the server lacks",
		"openapi.yaml lists GET /api/v1/ghosts, which the server lacks",
		"route GET /api/v1/carriers/detect is missing from openapi.yaml",
		"route GET /healthz: the document's security disagrees with the route's Auth",
		"route POST /api/v1/batches/{batch_no}/events is missing from openapi.yaml",
		"route POST /hooks/{provider}/{brand}: the document's security disagrees with the route's Auth",
		"route PUT /api/v1/carriers/{carrier}: the document's security disagrees with the route's Auth",
	}
	if !slices.Equal(got, want) {
		t.Errorf("mismatches:\ngot  %q\nwant %q", got, want)
	}
}

// TestOpenAPINoNullValues catches a YAML slip that still parses: a comma in
// an unquoted flow-mapping value, such as {description: a, b}, cuts the text
// and adds a key "b" with a null value.
func TestOpenAPINoNullValues(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var raw any
	if err := yaml.Unmarshal(b.do(t, "GET", "/api/v1/openapi.yaml", "", "").Body.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case nil:
			t.Errorf("%s is null; quote a value that holds a comma", path)
		case map[string]any:
			for k, e := range v {
				walk(path+"/"+k, e)
			}
		case []any:
			for i, e := range v {
				walk(fmt.Sprintf("%s[%d]", path, i), e)
			}
		}
	}
	walk("", raw)
}

// TestOpenAPIHooks checks what the push receiver's entry must say: no
// bearer auth, the provider's own formats in and out.
func TestOpenAPIHooks(t *testing.T) {
	t.Parallel()
	doc := mustOpenAPI(t, setup(t))
	op, ok := doc.Paths["/hooks/{provider}/{brand}"]["post"].(map[string]any)
	if !ok {
		t.Fatal("openapi.yaml lacks POST /hooks/{provider}/{brand}")
	}
	if security, ok := op["security"].([]any); !ok || len(security) != 0 {
		t.Errorf("hooks security: got %v, want []", op["security"])
	}
	content, _ := op["requestBody"].(map[string]any)["content"].(map[string]any)
	for _, ct := range []string{"application/x-www-form-urlencoded", "application/json"} {
		if _, ok := content[ct]; !ok {
			t.Errorf("hooks request body lacks %s", ct)
		}
	}
	for _, name := range []string{"Kuaidi100Reply", "KdniaoReply", "SFReply", "CarrierAccount", "CarrierAccountRequest", "Compliance", "Detection"} {
		if _, ok := doc.Components["schemas"][name]; !ok {
			t.Errorf("components lack schema %s", name)
		}
	}
	account := doc.Components["schemas"]["CarrierAccount"]["properties"].(map[string]any)
	for _, secret := range []string{"credentials", "customer", "key", "salt", "app_key", "check_word", "callback_token"} {
		if _, ok := account[secret]; ok {
			t.Errorf("the CarrierAccount answer documents the secret %q", secret)
		}
	}
}

func TestOpenAPIPath(t *testing.T) {
	t.Parallel()
	tests := []struct{ pattern, want string }{
		{"/api/v1/orders/{order_no}", "/api/v1/orders/{order_no}"},
		{"/files/{path...}", "/files/{path}"},
		{"/api/v1/{$}", "/api/v1/"},
	}
	for _, tt := range tests {
		if got := openAPIPath(tt.pattern); got != tt.want {
			t.Errorf("openAPIPath(%q): got %q, want %q", tt.pattern, got, tt.want)
		}
	}
}

// TestOpenAPIRefsResolve checks that every $ref names a component the
// document defines.
func TestOpenAPIRefsResolve(t *testing.T) {
	t.Parallel()
	b := setup(t)
	doc := mustOpenAPI(t, b)
	var raw any
	if err := yaml.Unmarshal(b.do(t, "GET", "/api/v1/openapi.yaml", "", "").Body.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	var refs []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				if s, ok := e.(string); ok && k == "$ref" {
					refs = append(refs, s)
				}
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(raw)
	if len(refs) == 0 {
		t.Fatal("no $ref found")
	}
	for _, ref := range refs {
		parts := strings.Split(strings.TrimPrefix(ref, "#/components/"), "/")
		if len(parts) != 2 || !strings.HasPrefix(ref, "#/components/") {
			t.Errorf("$ref %q is not #/components/<kind>/<name>", ref)
			continue
		}
		if _, ok := doc.Components[parts[0]][parts[1]]; !ok {
			t.Errorf("$ref %q names no component", ref)
		}
	}
}
