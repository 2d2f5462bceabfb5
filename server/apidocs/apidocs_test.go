package apidocs

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/wagate/wagate/capabilities"
)

func loadDoc(t *testing.T) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(Spec())
	if err != nil {
		t.Fatalf("load spec: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("validate spec: %v", err)
	}
	return doc
}

func TestSpecIsValidOpenAPI30(t *testing.T) {
	doc := loadDoc(t)
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi = %q, want 3.0.3", doc.OpenAPI)
	}
	if len(doc.Servers) != 1 || doc.Servers[0].URL != "/" {
		t.Errorf("servers = %v, want [{url: /}]", doc.Servers)
	}
	for name, want := range map[string][2]string{"apiKey": {"header", "X-Api-Key"}, "apiKeyQuery": {"query", "x-api-key"}} {
		s := doc.Components.SecuritySchemes[name]
		if s == nil || s.Value.Type != "apiKey" || s.Value.In != want[0] || s.Value.Name != want[1] {
			t.Errorf("security scheme %s = %+v, want apiKey in %s named %s", name, s, want[0], want[1])
		}
	}
	if len(doc.Security) == 0 {
		t.Error("no global security requirement")
	}
	var tags []string
	for _, tag := range doc.Tags {
		tags = append(tags, tag.Name)
	}
	m, err := capabilities.Load("https://example.com/new")
	if err != nil {
		t.Fatal(err)
	}
	if want := m.Tags(); !slices.Equal(tags, want) {
		t.Errorf("tags = %v, want %v", tags, want)
	}
	if !json.Valid(Spec()) {
		t.Error("Spec() is not JSON")
	}
}

// TestOperationsMatchMatrix: the spec has exactly the capability matrix's operations.
func TestOperationsMatchMatrix(t *testing.T) {
	m, err := capabilities.Load("https://example.com/new")
	if err != nil {
		t.Fatal(err)
	}
	ops, err := Operations()
	if err != nil {
		t.Fatal(err)
	}
	inSpec := map[string]Operation{}
	for _, op := range ops {
		if _, dup := inSpec[op.ID]; dup {
			t.Errorf("operationId %q twice in the spec", op.ID)
		}
		inSpec[op.ID] = op
	}
	inMatrix := map[string]bool{}
	for _, mop := range m.Operations() {
		inMatrix[mop.ID] = true
		op, ok := inSpec[mop.ID]
		switch {
		case !ok:
			t.Errorf("matrix operation %s (%s %s) is not in the spec", mop.ID, mop.Method, mop.Path)
		case op.Method != mop.Method || op.Path != mop.Path:
			t.Errorf("%s: spec has %s %s, matrix has %s %s", mop.ID, op.Method, op.Path, mop.Method, mop.Path)
		}
	}
	for _, op := range ops {
		if !inMatrix[op.ID] {
			t.Errorf("spec operation %s (%s %s) is not in the matrix", op.ID, op.Method, op.Path)
		}
	}
}

// TestOperationsDeclareErrors: every operation declares the error envelope for the
// statuses it can answer, and only /ping and /health are public.
func TestOperationsDeclareErrors(t *testing.T) {
	doc := loadDoc(t)
	m, err := capabilities.Load("https://example.com/new")
	if err != nil {
		t.Fatal(err)
	}
	for _, mop := range m.Operations() {
		op := doc.Paths.Find(mop.Path).GetOperation(mop.Method)
		public := mop.Path == "/ping" || mop.Path == "/health"
		if got := op.Security != nil && len(*op.Security) == 0; got != public {
			t.Errorf("%s: public = %v, want %v", mop.ID, got, public)
		}
		if public {
			continue
		}
		want := []int{400, 401, 500}
		if mop.Session {
			want = append(want, 404, 422, 501)
		}
		for _, code := range want {
			r := op.Responses.Status(code)
			if r == nil {
				t.Errorf("%s: no %d response", mop.ID, code)
				continue
			}
			mt := r.Value.Content.Get("application/json")
			if mt == nil || mt.Schema.Ref != "#/components/schemas/ErrorResponse" {
				t.Errorf("%s: %d is not the error envelope", mop.ID, code)
			}
			if _, ok := r.Value.Headers["Link"]; code == 501 && !ok {
				t.Errorf("%s: 501 declares no Link header", mop.ID)
			}
		}
	}
}

func Example_operations() {
	ops, err := Operations()
	if err != nil {
		panic(err)
	}
	for _, op := range ops[:3] {
		fmt.Println(op.Method, op.Path, op.ID)
	}
	// Output:
	// GET /api/apps apps.list
	// POST /api/apps apps.create
	// DELETE /api/apps/{id} apps.delete
}

// TestErrorExamples: every error response shows an example of its own (Swagger
// UI shows the example of the response, else of the schema: one for all).
func TestErrorExamples(t *testing.T) {
	doc, err := loadSpec()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{
		"BadRequest": 400, "Unauthorized": 401, "NotFound": 404, "Conflict": 409, "PayloadTooLarge": 413,
		"Unprocessable": 422, "InternalError": 500, "NotImplemented": 501, "EventsUnavailable": 503, "GatewayTimeout": 504,
	}
	seen := map[string]string{}
	for name, ref := range doc.Components.Responses {
		mt := ref.Value.Content.Get("application/json")
		if mt == nil || mt.Example == nil {
			t.Errorf("response %s has no example", name)
			continue
		}
		ex, _ := mt.Example.(map[string]any)
		if code, ok := want[name]; !ok || ex["statusCode"] != code {
			t.Errorf("response %s: example's statusCode %v, want %v", name, ex["statusCode"], want[name])
		}
		msg, _ := ex["message"].(string)
		if other, dup := seen[msg]; dup || msg == "" {
			t.Errorf("response %s shows the message of %s: %q", name, other, msg)
		}
		seen[msg] = name
		if err := mt.Schema.Value.VisitJSON(ex); err != nil {
			t.Errorf("response %s: example does not match the error envelope: %v", name, err)
		}
	}
	if s := doc.Components.Schemas["ErrorResponse"].Value; s.Properties["message"].Value.Example != nil {
		t.Error("ErrorResponse.message has an example, which Swagger UI would show for every error")
	}
	// The public operations show no padlock: an empty security list of their own.
	for _, path := range []string{"/ping", "/health"} {
		op := doc.Paths.Find(path).Get
		if op.Security == nil || len(*op.Security) != 0 {
			t.Errorf("%s: security %v, want [] (public)", path, op.Security)
		}
	}
	if op := doc.Paths.Find("/api/sessions").Get; op.Security != nil {
		t.Errorf("/api/sessions overrides the document's security: %v", op.Security)
	}
}
