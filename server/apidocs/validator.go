package apidocs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// Validator checks responses against the OpenAPI document. It is safe for concurrent
// use.
type Validator struct {
	doc    *openapi3.T
	routes []route
	events map[string]*openapi3.Schema // event name → its envelope schema (x-webhooks)
}

// route is one path of the document, split into segments for matching.
type route struct {
	path     string
	item     *openapi3.PathItem
	segments []string // "{name}" for a parameter
}

// NewValidator returns a validator for the embedded document.
func NewValidator() (*Validator, error) {
	doc, err := loadSpec()
	if err != nil {
		return nil, err
	}
	v := &Validator{doc: doc, events: map[string]*openapi3.Schema{}}
	for path, item := range doc.Paths.Map() {
		v.routes = append(v.routes, route{path: path, item: item, segments: strings.Split(strings.Trim(path, "/"), "/")})
	}
	var hooks struct {
		Webhooks map[string]struct {
			Ref string `json:"$ref"`
		} `json:"x-webhooks"`
	}
	if err := json.Unmarshal(specJSON, &hooks); err != nil {
		return nil, fmt.Errorf("apidocs: read x-webhooks: %w", err)
	}
	for event, h := range hooks.Webhooks {
		ref := doc.Components.Schemas[strings.TrimPrefix(h.Ref, "#/components/schemas/")]
		if ref == nil || ref.Value == nil {
			return nil, fmt.Errorf("apidocs: x-webhooks %s: no schema %s", event, h.Ref)
		}
		v.events[event] = ref.Value
	}
	return v, nil
}

// ValidateEvent checks an event envelope, as webhooks and websocket clients get
// it, against the schema WAHA's spec gives its event: the envelope's fields and
// the payload's.
func (v *Validator) ValidateEvent(body []byte) error {
	var env any
	if err := json.Unmarshal(body, &env); err != nil {
		return fmt.Errorf("event envelope is not JSON: %w", err)
	}
	m, _ := env.(map[string]any)
	event, _ := m["event"].(string)
	schema, ok := v.events[event]
	if !ok {
		return fmt.Errorf("event %q: no schema for it in the spec's x-webhooks", event)
	}
	if err := schema.VisitJSON(env, openapi3.MultiErrors()); err != nil {
		return fmt.Errorf("event %s: %w", event, compactSchemaError(err))
	}
	return nil
}

// compactSchemaError shortens kin-openapi's schema errors to one line each.
func compactSchemaError(err error) error {
	var multi openapi3.MultiError
	if errors.As(err, &multi) {
		var parts []string
		for _, e := range multi {
			parts = append(parts, compactSchemaError(e).Error())
		}
		return errors.New(strings.Join(parts, "; "))
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		return errors.New(schemaErrorMessage(se))
	}
	return err
}

// Validate checks that the response with status, header and body is one the
// document declares for req's operation: the status must be declared, the content
// type must be one of the status's media types, and a JSON (or text/plain) body must
// match its schema. A status declared without content must come with an empty body.
// Binary bodies (image/png) and text/html are checked for their content type only.
//
// A HEAD request is checked as the GET it is answered as (the document's
// description says so): the GET's statuses and headers, and no body.
func (v *Validator) Validate(req *http.Request, status int, header http.Header, body []byte) error {
	head := req.Method == http.MethodHead
	if head {
		if len(body) > 0 {
			return fmt.Errorf("HEAD %s answered %d with a body of %d bytes", req.URL.Path, status, len(body))
		}
		req = req.Clone(req.Context())
		req.Method = http.MethodGet
	}
	rt, op, params, err := v.find(req)
	if err != nil {
		return err
	}
	where := fmt.Sprintf("%s %s (%s) answered %d", req.Method, req.URL.Path, op.OperationID, status)
	respRef := op.Responses.Status(status)
	if respRef == nil {
		respRef = op.Responses.Default()
	}
	if respRef == nil || respRef.Value == nil {
		return fmt.Errorf("%s: status not declared in the spec", where)
	}
	resp := respRef.Value

	opts := &openapi3filter.Options{
		IncludeResponseStatus: true,
		MultiError:            true,
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
	}
	opts.WithCustomSchemaErrorFunc(schemaErrorMessage)
	switch {
	case head:
		if ct := header.Get("Content-Type"); len(resp.Content) > 0 && resp.Content.Get(ct) == nil {
			return fmt.Errorf("%s: content type %q not declared (declared: %s)", where, ct, strings.Join(contentTypes(resp.Content), ", "))
		}
		opts.ExcludeResponseBody = true
	case len(resp.Content) == 0:
		if len(body) > 0 {
			return fmt.Errorf("%s: the spec declares no body, got %d bytes", where, len(body))
		}
	default:
		ct := header.Get("Content-Type")
		mt := resp.Content.Get(ct)
		if mt == nil {
			return fmt.Errorf("%s: content type %q not declared (declared: %s)", where, ct, strings.Join(contentTypes(resp.Content), ", "))
		}
		if !decodable(ct, mt) {
			opts.ExcludeResponseBody = true
		}
	}

	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    req,
			PathParams: params,
			Route:      rt,
			Options:    opts,
		},
		Status:  status,
		Header:  header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: opts,
	}
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	return nil
}

// ValidateSchema checks that v, encoded as JSON, matches the document's schema
// name (components/schemas): an event's payload, which no response carries.
func (v *Validator) ValidateSchema(name string, value any) error {
	ref, ok := v.doc.Components.Schemas[name]
	if !ok || ref.Value == nil {
		return fmt.Errorf("no schema %q in the spec", name)
	}
	raw, err := json.Marshal(value)
	if err != nil {
		return fmt.Errorf("encode value: %w", err)
	}
	var decoded any
	if err := json.Unmarshal(raw, &decoded); err != nil {
		return fmt.Errorf("decode value: %w", err)
	}
	if err := ref.Value.VisitJSON(decoded, openapi3.MultiErrors()); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// find returns the document's operation for req: the path whose literal segments
// match most (literals win over parameters, left to right) among those that have
// req's method.
func (v *Validator) find(req *http.Request) (*routers.Route, *openapi3.Operation, map[string]string, error) {
	segs := strings.Split(strings.Trim(req.URL.EscapedPath(), "/"), "/")
	decoded := make([]string, len(segs))
	for i, s := range segs {
		d, err := url.PathUnescape(s)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("%s %s: bad path segment %q: %w", req.Method, req.URL.Path, s, err)
		}
		decoded[i] = d
	}
	var (
		best       *route
		bestOp     *openapi3.Operation
		bestParams map[string]string
		bestScore  []bool
		pathFound  bool
	)
	for i := range v.routes {
		r := &v.routes[i]
		params, score, ok := r.match(decoded)
		if !ok {
			continue
		}
		pathFound = true
		op := r.item.GetOperation(req.Method)
		if op == nil {
			continue
		}
		if best == nil || better(score, bestScore) {
			best, bestOp, bestParams, bestScore = r, op, params, score
		}
	}
	if best == nil {
		if pathFound {
			return nil, nil, nil, fmt.Errorf("%s %s: method not in the spec for this path", req.Method, req.URL.Path)
		}
		return nil, nil, nil, fmt.Errorf("%s %s: no path of the spec matches", req.Method, req.URL.Path)
	}
	rt := &routers.Route{
		Spec:      v.doc,
		Path:      best.path,
		PathItem:  best.item,
		Method:    req.Method,
		Operation: bestOp,
	}
	return rt, bestOp, bestParams, nil
}

// match reports whether the decoded request segments fit r, the path parameters,
// and which segments matched a literal.
func (r *route) match(segs []string) (map[string]string, []bool, bool) {
	if len(segs) != len(r.segments) {
		return nil, nil, false
	}
	params := map[string]string{}
	literal := make([]bool, len(segs))
	for i, want := range r.segments {
		if name, ok := strings.CutPrefix(want, "{"); ok && strings.HasSuffix(name, "}") {
			if segs[i] == "" {
				return nil, nil, false
			}
			params[strings.TrimSuffix(name, "}")] = segs[i]
			continue
		}
		if segs[i] != want {
			return nil, nil, false
		}
		literal[i] = true
	}
	return params, literal, true
}

// better reports whether a matched a literal at the first segment where a and b differ.
func better(a, b []bool) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i]
		}
	}
	return false
}

// decodable reports whether kin-openapi can decode and check a body of content type
// ct against mt's schema: JSON and text/plain bodies can; binary schemas are read as
// raw bytes (nothing to check); others (text/html) have no decoder.
func decodable(ct string, mt *openapi3.MediaType) bool {
	if mt.Schema == nil || mt.Schema.Value == nil {
		return true // kin-openapi skips the body itself
	}
	base, _, err := mime.ParseMediaType(ct)
	if err != nil {
		base = strings.ToLower(strings.TrimSpace(strings.Split(ct, ";")[0]))
	}
	if s := mt.Schema.Value; s.Type.Is(openapi3.TypeString) && s.Format == "binary" {
		return true
	}
	return openapi3filter.RegisteredBodyDecoder(base) != nil || strings.HasSuffix(base, "+json")
}

// schemaErrorMessage is a one-line schema error: where, why, and (shortened) what
// was found, instead of kin-openapi's dump of the whole schema.
func schemaErrorMessage(err *openapi3.SchemaError) string {
	reason := err.Reason
	if err.Origin != nil {
		reason = err.Origin.Error()
	}
	if reason == "" {
		reason = fmt.Sprintf("does not match the schema's %q", err.SchemaField)
	}
	got, jerr := json.Marshal(err.Value)
	if jerr != nil {
		got = []byte(fmt.Sprint(err.Value))
	}
	const maxGot = 120
	if len(got) > maxGot {
		got = append(got[:maxGot:maxGot], "..."...)
	}
	return fmt.Sprintf("at %q: %s (got %s)", "/"+strings.Join(err.JSONPointer(), "/"), reason, got)
}

func contentTypes(c openapi3.Content) []string {
	out := make([]string, 0, len(c))
	for k := range c {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
