// Package capabilities is the capability matrix: which engine supports which API
// operation. The data lives in matrix.yaml; the server gates routes with it and the
// README's feature table is rendered from it.
package capabilities

import (
	_ "embed"
	"fmt"
	"net/url"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/wagate/wagate/engines"
)

//go:embed matrix.yaml
var matrixYAML []byte

// Support is whether an engine supports an operation.
type Support string

const (
	Supported   Support = "supported"
	Unsupported Support = "unsupported"
)

// Operation is one API operation.
type Operation struct {
	ID     string                   `yaml:"id"`
	Method string                   `yaml:"method"`
	Path   string                   `yaml:"path"`
	Title  string                   `yaml:"title"`
	All    bool                     `yaml:"all"`     // needs no engine
	InSess bool                     `yaml:"session"` // runs on a session's engine: gated
	By     map[engines.Name]Support `yaml:"engines"`
}

// Matrix is the capability matrix.
type Matrix struct {
	ops        []Operation
	byID       map[string]*Operation
	featureURL string
}

// Load returns the embedded matrix, with feature-request links under featureURL.
func Load(featureURL string) (*Matrix, error) {
	return Parse(matrixYAML, featureURL)
}

// Parse reads a matrix in matrix.yaml's format and checks it is complete.
func Parse(data []byte, featureURL string) (*Matrix, error) {
	var doc struct {
		Operations []Operation `yaml:"operations"`
	}
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("parse capability matrix: %w", err)
	}
	m := &Matrix{ops: doc.Operations, byID: map[string]*Operation{}, featureURL: featureURL}
	routes := map[string]string{}
	for i := range m.ops {
		op := &m.ops[i]
		if op.ID == "" || op.Method == "" || !strings.HasPrefix(op.Path, "/") || op.Title == "" {
			return nil, fmt.Errorf("capability matrix: operation %d (%q) needs id, method, path and title", i, op.ID)
		}
		if _, dup := m.byID[op.ID]; dup {
			return nil, fmt.Errorf("capability matrix: operation %q listed twice", op.ID)
		}
		route := op.Method + " " + op.Path
		if other, dup := routes[route]; dup {
			return nil, fmt.Errorf("capability matrix: %s is both %q and %q", route, other, op.ID)
		}
		routes[route] = op.ID
		if op.All == (len(op.By) > 0) {
			return nil, fmt.Errorf("capability matrix: operation %q needs either all: true or a support entry per engine", op.ID)
		}
		if !op.All {
			for _, n := range engines.Names {
				switch op.By[n] {
				case Supported, Unsupported:
				default:
					return nil, fmt.Errorf("capability matrix: operation %q: engine %s is %q, want supported or unsupported", op.ID, n, op.By[n])
				}
			}
			if len(op.By) != len(engines.Names) {
				return nil, fmt.Errorf("capability matrix: operation %q names an unknown engine", op.ID)
			}
		}
		m.byID[op.ID] = op
	}
	return m, nil
}

// Operations lists every operation in the matrix's order.
func (m *Matrix) Operations() []Operation { return m.ops }

// Operation finds an operation by id.
func (m *Matrix) Operation(id string) (Operation, bool) {
	op, ok := m.byID[id]
	if !ok {
		return Operation{}, false
	}
	return *op, true
}

// Supports reports whether engine e supports operation id; unknown ids are unsupported.
func (m *Matrix) Supports(id string, e engines.Name) bool {
	op, ok := m.byID[id]
	return ok && (op.All || op.By[e] == Supported)
}

// Set changes one entry; tests use it to exercise both answers of the gate.
func (m *Matrix) Set(id string, e engines.Name, s Support) {
	if op, ok := m.byID[id]; ok && !op.All {
		op.By[e] = s
	}
}

// FeatureRequest is the link where users ask for operation id on engine e.
func (m *Matrix) FeatureRequest(id string, e engines.Name) string {
	title := fmt.Sprintf("[%s] support %s", e, id)
	if op, ok := m.byID[id]; ok {
		title = fmt.Sprintf("[%s] support %s (%s %s)", e, op.Title, op.Method, op.Path)
	}
	sep := "?"
	if strings.Contains(m.featureURL, "?") {
		sep = "&"
	}
	return m.featureURL + sep + "title=" + url.QueryEscape(title)
}

// Markdown renders the matrix as the README's feature table.
func (m *Matrix) Markdown() string {
	var b strings.Builder
	b.WriteString("| Operation | Method | Path |")
	for _, n := range engines.Names {
		fmt.Fprintf(&b, " %s |", n)
	}
	b.WriteString("\n|---|---|---|")
	for range engines.Names {
		b.WriteString(":-:|")
	}
	b.WriteString("\n")
	for _, op := range m.ops {
		fmt.Fprintf(&b, "| %s | `%s` | `%s` |", op.Title, op.Method, op.Path)
		for _, n := range engines.Names {
			if m.Supports(op.ID, n) {
				b.WriteString(" ✔ |")
			} else {
				fmt.Fprintf(&b, " [✘](%s) |", m.FeatureRequest(op.ID, n))
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}
