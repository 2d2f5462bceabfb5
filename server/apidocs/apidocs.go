// Package apidocs holds wagate's OpenAPI 3.0 document, an offline Swagger UI for it,
// and a response validator that tests use to prove the server answers what the
// document says.
//
// openapi.json describes exactly the operations of the capability matrix
// (capabilities/matrix.yaml): same operation ids, methods and paths. Its schemas are
// taken from WAHA's spec (2026.7.1) where WAHA has them, converted to OpenAPI 3.0.
//
// The Swagger UI assets in swagger/ (swagger-ui-bundle.js, swagger-ui.css, the
// favicons, LICENSE, NOTICE and the bundle's third-party licence notices) are
// unmodified files from the npm package swagger-ui-dist 5.35.0 (Apache-2.0,
// SmartBear Software); swagger/index.html and swagger/init.js are ours.
package apidocs

import (
	_ "embed"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:generate go run ./gen .
//go:embed openapi.json
var specJSON []byte

// Spec returns the OpenAPI document, as JSON. The caller must not modify it.
func Spec() []byte { return specJSON }

// Operation is one operation of the OpenAPI document.
type Operation struct {
	ID     string // operationId, the capability matrix's id, e.g. "chats.list"
	Method string // upper case, e.g. "GET"
	Path   string // as written in the document, e.g. "/api/sessions/{session}"
}

// loadSpec parses and validates the embedded document once.
var loadSpec = sync.OnceValues(func() (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(specJSON)
	if err != nil {
		return nil, fmt.Errorf("apidocs: load openapi.json: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("apidocs: validate openapi.json: %w", err)
	}
	return doc, nil
})

// Operations lists every operation of the document, sorted by path, then method.
func Operations() ([]Operation, error) {
	doc, err := loadSpec()
	if err != nil {
		return nil, err
	}
	var ops []Operation
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ops = append(ops, Operation{ID: op.OperationID, Method: strings.ToUpper(method), Path: path})
		}
	}
	slices.SortFunc(ops, func(a, b Operation) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return strings.Compare(a.Method, b.Method)
	})
	return ops, nil
}

// methodNotAllowed answers 405 naming the methods a handler serves.
func methodNotAllowed(w http.ResponseWriter, allow ...string) {
	w.Header().Set("Allow", strings.Join(allow, ", "))
	http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
}
