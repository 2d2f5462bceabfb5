// Command gen writes server/apidocs/openapi.json from the capability matrix, WAHA's
// spec (waha.json: WAHA 2026.7.1's openapi.clean.json, Apache-2.0) and overlay.json
// (wagate's own operations, schemas and the WAHA ones it changes). Run it with
// `go generate ./server/apidocs` after changing any of the three; a test fails
// when the committed spec is stale.
//
// Every operation of the matrix is in the spec: wagate's own and the ones it
// changes from the overlay, the others as WAHA wrote them. x-webhooks names the
// envelope schema of every event, from WAHA's webhooks section. Each gets the matrix's
// id, tag and support per engine (x-wagate-support), and the error envelope for
// every status the gate and the server can answer.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/wagate/wagate/capabilities"
	"github.com/wagate/wagate/engines"
)

func main() {
	dir := "."
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	out, err := generate(filepath.Join(dir, "gen"))
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, "openapi.json"), out, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

type obj = map[string]any

func readJSON(path string) (obj, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var o obj
	if err := json.Unmarshal(b, &o); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	return o, nil
}

// generate builds the spec from the files in dir.
func generate(dir string) ([]byte, error) {
	waha, err := readJSON(filepath.Join(dir, "waha.json"))
	if err != nil {
		return nil, err
	}
	overlay, err := readJSON(filepath.Join(dir, "overlay.json"))
	if err != nil {
		return nil, err
	}
	m, err := capabilities.Load("https://github.com/wagate/wagate/issues/new?labels=feature-request")
	if err != nil {
		return nil, err
	}
	doc, err := build(m, waha, overlay)
	if err != nil {
		return nil, err
	}
	if err := repair(doc); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func build(m *capabilities.Matrix, waha, overlay obj) (obj, error) {
	ocomp := sub(overlay, "components")
	comp := obj{
		"securitySchemes": ocomp["securitySchemes"],
		"parameters":      ocomp["parameters"],
		"responses":       ocomp["responses"],
	}
	doc := obj{
		"openapi":  "3.0.3",
		"info":     overlay["info"],
		"servers":  overlay["servers"],
		"security": overlay["security"],
	}

	// Tags in the matrix's order, described as WAHA (or the overlay) does.
	descs := map[string]any{}
	for _, src := range []obj{waha, overlay} {
		for _, t := range list(src, "tags") {
			t := t.(obj)
			descs[plainTag(t["name"].(string))] = t["description"]
		}
	}
	var tags []any
	for _, tag := range m.Tags() {
		t := obj{"name": tag}
		if d, ok := descs[tag]; ok {
			t["description"] = d
		}
		tags = append(tags, t)
	}
	doc["tags"] = tags

	paths := obj{}
	wpaths, opaths := sub(waha, "paths"), sub(overlay, "paths")
	for _, op := range m.Operations() {
		method := strings.ToLower(op.Method)
		src, ok := sub(opaths, op.Path)[method].(obj)
		if !ok {
			if op.Wagate {
				return nil, fmt.Errorf("%s (%s %s) is wagate's own but overlay.json does not describe it", op.ID, op.Method, op.Path)
			}
			if src, ok = wahaOp(wpaths, op.Path, method); !ok {
				return nil, fmt.Errorf("%s (%s %s) is in neither WAHA's spec nor overlay.json", op.ID, op.Method, op.Path)
			}
			// WAHA names its key scheme otherwise; the document's own applies.
			src = clone(src).(obj)
			delete(src, "security")
		}
		o := clone(src).(obj)
		o["operationId"] = op.ID
		o["tags"] = []any{op.Tag}
		if op.Deprecated {
			o["deprecated"] = true
		}
		support := obj{}
		for _, n := range engines.Names {
			support[string(n)] = supportOf(m, op, n)
		}
		o["x-wagate-support"] = support
		if !m.Built(op.ID) {
			note := "**Not implemented yet** on any engine: answers 501 with a link to the feature request."
			if d, _ := o["description"].(string); d != "" {
				note += "\n\n" + d
			}
			o["description"] = note
		}
		addErrors(o, op)
		p, _ := paths[op.Path].(obj)
		if p == nil {
			p = obj{}
			paths[op.Path] = p
		}
		p[method] = o
	}
	doc["paths"] = paths

	// The events: WAHA's spec (OpenAPI 3.1) has a webhooks section naming the
	// envelope schema of each event; 3.0 has none, so the document keeps the
	// names under x-webhooks, and the schemas with the others.
	hooks := obj{}
	for name, item := range sub(waha, "webhooks") {
		schema := sub(sub(sub(sub(sub(item.(obj), "post"), "requestBody"), "content"), "application/json"), "schema")
		ref, _ := schema["$ref"].(string)
		if ref == "" {
			return nil, fmt.Errorf("webhook %s of WAHA's spec has no schema reference", name)
		}
		hooks[name] = obj{"$ref": ref}
	}
	if len(hooks) == 0 {
		return nil, fmt.Errorf("WAHA's spec has no webhooks section")
	}
	// Events WAHA sends but its spec leaves out (message.waiting) are the
	// overlay's.
	for name, ref := range sub(overlay, "x-webhooks") {
		hooks[name] = ref
	}
	doc["x-webhooks"] = hooks

	// Schemas: every one referenced, the overlay's where it has them, WAHA's
	// otherwise, and what those reference in turn.
	schemas := obj{}
	wschemas, oschemas := sub(sub(waha, "components"), "schemas"), sub(ocomp, "schemas")
	var queue []string
	seen := map[string]bool{}
	enqueue := func(v any) {
		for _, name := range refs(v, "#/components/schemas/") {
			if !seen[name] {
				seen[name] = true
				queue = append(queue, name)
			}
		}
	}
	enqueue(paths)
	enqueue(comp)
	enqueue(hooks)
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		s, ok := oschemas[name]
		if !ok {
			if s, ok = wschemas[name]; !ok {
				return nil, fmt.Errorf("schema %s is referenced but in neither spec", name)
			}
		}
		s = clone(s)
		schemas[name] = s
		enqueue(s)
	}
	comp["schemas"] = schemas
	doc["components"] = comp
	return doc, nil
}

// repair makes the schemas taken from WAHA valid OpenAPI 3.0 where the generator
// that wrote WAHA's spec (NestJS's) got them wrong, so that the document loads and
// validates: a property typed "object" whose default is a string, number or
// boolean is of the default's type (NestJS writes "object" for a type it cannot
// name); an example that contradicts its schema is dropped, since examples are
// only documentation. Anything else wrong is an error.
func repair(doc obj) error {
	schemas := sub(sub(doc, "components"), "schemas")
	for _, s := range schemas {
		retype(s)
	}
	for {
		b, err := json.Marshal(doc)
		if err != nil {
			return err
		}
		loaded, err := openapi3.NewLoader().LoadFromData(b)
		if err != nil {
			return fmt.Errorf("load the generated spec: %w", err)
		}
		ctx := context.Background()
		var bad []string
		for name, ref := range loaded.Components.Schemas {
			if ref.Value.Validate(ctx) == nil {
				continue
			}
			if err := ref.Value.Validate(ctx, openapi3.DisableExamplesValidation()); err != nil {
				return fmt.Errorf("schema %s: %w", name, err)
			}
			bad = append(bad, name)
		}
		if len(bad) == 0 {
			return loaded.Validate(ctx)
		}
		for _, name := range bad {
			dropExamples(schemas[name])
		}
	}
}

func retype(v any) {
	switch x := v.(type) {
	case obj:
		if x["type"] == "object" && x["properties"] == nil {
			switch x["default"].(type) {
			case string:
				x["type"] = "string"
			case bool:
				x["type"] = "boolean"
			case float64:
				x["type"] = "number"
			}
		}
		for _, e := range x {
			retype(e)
		}
	case []any:
		for _, e := range x {
			retype(e)
		}
	}
}

func dropExamples(v any) {
	switch x := v.(type) {
	case obj:
		delete(x, "example")
		for _, e := range x {
			dropExamples(e)
		}
	case []any:
		for _, e := range x {
			dropExamples(e)
		}
	}
}

// wahaOp finds WAHA's operation at path, or at a path that differs only in the
// names of its parameters, renamed to path's. (WAHA's spec has GET
// /api/{session}/contacts/{id} and PUT /api/{session}/contacts/{chatId}: one route
// to a router, and to OpenAPI 3.0 a conflict, so the matrix names both {id}.)
func wahaOp(paths obj, path, method string) (obj, bool) {
	if o, ok := sub(paths, path)[method].(obj); ok {
		return o, true
	}
	want := params(path)
	for p := range paths {
		have := params(p)
		if len(have) != len(want) || shape(p) != shape(path) {
			continue
		}
		o, ok := sub(paths, p)[method].(obj)
		if !ok {
			continue
		}
		o = clone(o).(obj)
		for _, prm := range list(o, "parameters") {
			prm, _ := prm.(obj)
			if prm["in"] != "path" {
				continue
			}
			if i := slices.Index(have, prm["name"].(string)); i >= 0 {
				prm["name"] = want[i]
			}
		}
		return o, true
	}
	return nil, false
}

// params lists the parameter names of a path, in order.
func params(path string) []string {
	var out []string
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			out = append(out, seg[1:len(seg)-1])
		}
	}
	return out
}

// shape is a path with its parameter names left out.
func shape(path string) string {
	segs := strings.Split(path, "/")
	for i, seg := range segs {
		if strings.HasPrefix(seg, "{") {
			segs[i] = "{}"
		}
	}
	return strings.Join(segs, "/")
}

func supportOf(m *capabilities.Matrix, op capabilities.Operation, n engines.Name) string {
	if m.Supports(op.ID, n) {
		return string(capabilities.Supported)
	}
	return string(capabilities.Unsupported)
}

// addErrors declares the error envelope for every status the operation can
// answer: any operation a bad request, a missing key and an internal error; one
// on a session's engine also an unknown session, a session in the wrong status
// and an engine that cannot do it; one nobody has built yet, 501.
func addErrors(o obj, op capabilities.Operation) {
	resp, _ := o["responses"].(obj)
	if resp == nil {
		resp = obj{}
		o["responses"] = resp
	}
	public := op.Path == "/ping" || op.Path == "/health"
	if public {
		o["security"] = []any{}
		return
	}
	want := map[string]string{"400": "BadRequest", "401": "Unauthorized", "500": "InternalError"}
	if op.Session {
		want["404"], want["422"], want["501"] = "NotFound", "Unprocessable", "NotImplemented"
	}
	if op.Gateway == capabilities.Unsupported {
		want["501"] = "NotImplemented"
	}
	for code, name := range want {
		if _, ok := resp[code]; !ok {
			resp[code] = obj{"$ref": "#/components/responses/" + name}
		}
	}
}

// plainTag is a WAHA tag without its emoji: "💬 Chats" → "Chats".
func plainTag(s string) string {
	if i := strings.IndexByte(s, ' '); i >= 0 && !isWord(s[:i]) {
		return s[i+1:]
	}
	return s
}

func isWord(s string) bool {
	for _, r := range s {
		if r > 127 {
			return false
		}
	}
	return true
}

func sub(o obj, key string) obj {
	v, _ := o[key].(obj)
	return v
}

func list(o obj, key string) []any {
	v, _ := o[key].([]any)
	return v
}

// refs lists the names a value refers to under prefix, in a stable order.
func refs(v any, prefix string) []string {
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case obj:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				if s, ok := x[k].(string); ok && k == "$ref" && strings.HasPrefix(s, prefix) {
					out = append(out, strings.TrimPrefix(s, prefix))
				}
				walk(x[k])
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

func clone(v any) any {
	switch x := v.(type) {
	case obj:
		c := make(obj, len(x))
		for k, e := range x {
			c[k] = clone(e)
		}
		return c
	case []any:
		c := make([]any, len(x))
		for i, e := range x {
			c[i] = clone(e)
		}
		return c
	}
	return v
}
