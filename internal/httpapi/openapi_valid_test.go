package httpapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestOpenAPIValidates checks the served document against the OpenAPI 3.0
// specification with a standard validator, schema examples included, so an
// invalid construct (such as 3.1's {type: "null"}) cannot creep back in.
func TestOpenAPIValidates(t *testing.T) {
	b := setup(t)
	rec := b.do(t, "GET", "/api/v1/openapi.yaml", "", "")
	mustStatus(t, rec, http.StatusOK)
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(rec.Body.Bytes())
	if err != nil {
		t.Fatalf("load openapi.yaml: %v", err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi: got %q, want 3.0.3", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		t.Errorf("openapi.yaml is not valid OpenAPI 3.0: %v", err)
	}
}
