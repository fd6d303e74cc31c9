package httpapi

import (
	_ "embed"
	"net/http"
)

// openAPI is the OpenAPI 3.0 description of every route; a test keeps it
// and the route table in step.
//
//go:embed openapi.yaml
var openAPI []byte

// handleOpenAPI serves the OpenAPI document. It needs no API key.
func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	_, _ = w.Write(openAPI)
	return nil
}
