// Package capabilities is the capability matrix: every operation of the API, and
// which engine supports it. The data lives in matrix.yaml; the server routes and
// gates with it, the OpenAPI spec and the README's feature table are made from it,
// and an unsupported call is answered 501 with the feature-request link it gives.
package capabilities

import (
	_ "embed"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/wagate/wagate/engines"
)

//go:embed matrix.yaml
var matrixYAML []byte

// Support is whether an engine, or the gateway, supports an operation.
type Support string

const (
	Supported   Support = "supported"
	Unsupported Support = "unsupported"
)

// Operation is one API operation.
type Operation struct {
	ID         string `yaml:"id"`
	Tag        string `yaml:"tag"` // WAHA's tag, without its emoji
	Method     string `yaml:"method"`
	Path       string `yaml:"path"`
	Title      string `yaml:"title"`
	Deprecated bool   `yaml:"deprecated"`
	Wagate     bool   `yaml:"wagate"` // ours, not in WAHA's spec
	// Gateway is the support of an operation served by the gateway itself.
	Gateway Support `yaml:"gateway"`
	// Session: the operation runs on a session's engine and is gated.
	Session bool `yaml:"session"`
	// Needs are the statuses the session must be in for the operation.
	Needs []engines.Status `yaml:"needs"`
	// Interface names the optional engine interface the handler calls
	// (engines.Interfaces); "" is the core Engine.
	Interface string                   `yaml:"interface"`
	By        map[engines.Name]Support `yaml:"engines"`
	// Why says, per unsupported engine, why the engine cannot do it at all (as
	// opposed to not yet).
	Why map[engines.Name]string `yaml:"why"`
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

var statuses = []engines.Status{engines.StatusStopped, engines.StatusStarting, engines.StatusScanQRCode, engines.StatusWorking, engines.StatusFailed}

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
		if err := op.check(); err != nil {
			return nil, fmt.Errorf("capability matrix: operation %d (%q): %w", i, op.ID, err)
		}
		if _, dup := m.byID[op.ID]; dup {
			return nil, fmt.Errorf("capability matrix: operation %q listed twice", op.ID)
		}
		route := op.Method + " " + op.Path
		if other, dup := routes[route]; dup {
			return nil, fmt.Errorf("capability matrix: %s is both %q and %q", route, other, op.ID)
		}
		routes[route] = op.ID
		m.byID[op.ID] = op
	}
	return m, nil
}

func (op *Operation) check() error {
	if op.ID == "" || op.Tag == "" || op.Method == "" || !strings.HasPrefix(op.Path, "/") || op.Title == "" {
		return fmt.Errorf("needs id, tag, method, path and title")
	}
	if !op.Session {
		if op.Gateway != Supported && op.Gateway != Unsupported {
			return fmt.Errorf("gateway is %q, want supported or unsupported (or session: true)", op.Gateway)
		}
		if len(op.By) > 0 || len(op.Needs) > 0 || op.Interface != "" {
			return fmt.Errorf("a gateway operation has no engines, needs or interface")
		}
		return nil
	}
	if op.Gateway != "" {
		return fmt.Errorf("a session operation has engines, not gateway")
	}
	for _, n := range engines.Names {
		switch op.By[n] {
		case Supported, Unsupported:
		default:
			return fmt.Errorf("engine %s is %q, want supported or unsupported", n, op.By[n])
		}
	}
	if len(op.By) != len(engines.Names) {
		return fmt.Errorf("names an unknown engine")
	}
	for n, why := range op.Why {
		if op.By[n] != Unsupported || why == "" {
			return fmt.Errorf("why is for the engines that do not support it, with a reason; %s is %q", n, op.By[n])
		}
	}
	for _, st := range op.Needs {
		if !slices.Contains(statuses, st) {
			return fmt.Errorf("needs unknown status %q", st)
		}
	}
	if _, ok := engines.Interfaces()[op.Interface]; op.Interface != "" && !ok {
		return fmt.Errorf("interface %q is not an engine interface (engines.Interfaces)", op.Interface)
	}
	return nil
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

// Supports reports whether engine e supports operation id (a gateway operation:
// whether the gateway serves it); unknown ids are unsupported.
func (m *Matrix) Supports(id string, e engines.Name) bool {
	op, ok := m.byID[id]
	if !ok {
		return false
	}
	if !op.Session {
		return op.Gateway == Supported
	}
	return op.By[e] == Supported
}

// Built reports whether the API serves operation id on any engine; the others
// answer 501.
func (m *Matrix) Built(id string) bool {
	for _, n := range engines.Names {
		if m.Supports(id, n) {
			return true
		}
	}
	return false
}

// Set changes one entry; tests use it to exercise both answers of the gate.
func (m *Matrix) Set(id string, e engines.Name, s Support) {
	if op, ok := m.byID[id]; ok && op.Session {
		op.By[e] = s
	}
}

// Why is the reason engine e cannot do operation id at all, "" when it is
// simply not built yet.
func (m *Matrix) Why(id string, e engines.Name) string {
	if op, ok := m.byID[id]; ok {
		return op.Why[e]
	}
	return ""
}

// FeatureRequest is the link where users ask for operation id on engine e; e is
// "" for an operation of the gateway.
func (m *Matrix) FeatureRequest(id string, e engines.Name) string {
	who := string(e)
	if who == "" {
		who = "gateway"
	}
	title := fmt.Sprintf("[%s] support %s", who, id)
	if op, ok := m.byID[id]; ok {
		title = fmt.Sprintf("[%s] support %s (%s %s)", who, op.Title, op.Method, op.Path)
	}
	sep := "?"
	if strings.Contains(m.featureURL, "?") {
		sep = "&"
	}
	return m.featureURL + sep + "title=" + url.QueryEscape(title)
}

// Tags lists the tags in the matrix's order.
func (m *Matrix) Tags() []string {
	var tags []string
	for _, op := range m.ops {
		if !slices.Contains(tags, op.Tag) {
			tags = append(tags, op.Tag)
		}
	}
	return tags
}

// Markdown renders the matrix as the README's feature table: a summary of
// supported operations per tag and engine, then one table per tag.
func (m *Matrix) Markdown() string {
	var b strings.Builder
	b.WriteString("| Tag | Operations |")
	for _, n := range engines.Names {
		fmt.Fprintf(&b, " %s |", n)
	}
	b.WriteString("\n|---|:-:|")
	for range engines.Names {
		b.WriteString(":-:|")
	}
	b.WriteString("\n")
	total := map[engines.Name]int{}
	all := 0
	for _, tag := range m.Tags() {
		ops := m.tagged(tag)
		all += len(ops)
		fmt.Fprintf(&b, "| %s | %d |", tag, len(ops))
		for _, n := range engines.Names {
			k := 0
			for _, op := range ops {
				if m.Supports(op.ID, n) {
					k++
				}
			}
			total[n] += k
			fmt.Fprintf(&b, " %d |", k)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "| **All** | **%d** |", all)
	for _, n := range engines.Names {
		fmt.Fprintf(&b, " **%d** |", total[n])
	}
	b.WriteString("\n")
	for _, tag := range m.Tags() {
		fmt.Fprintf(&b, "\n### %s\n\n| Operation | Method | Path |", tag)
		for _, n := range engines.Names {
			fmt.Fprintf(&b, " %s |", n)
		}
		b.WriteString("\n|---|---|---|")
		for range engines.Names {
			b.WriteString(":-:|")
		}
		b.WriteString("\n")
		for _, op := range m.tagged(tag) {
			title := op.Title
			if op.Deprecated && !strings.Contains(strings.ToLower(title), "deprecated") {
				title += " (deprecated)"
			}
			fmt.Fprintf(&b, "| %s | `%s` | `%s` |", title, op.Method, op.Path)
			for _, n := range engines.Names {
				switch {
				case m.Supports(op.ID, n):
					b.WriteString(" ✔ |")
				case op.Session:
					fmt.Fprintf(&b, " [✘](%s) |", m.FeatureRequest(op.ID, n))
				default:
					fmt.Fprintf(&b, " [✘](%s) |", m.FeatureRequest(op.ID, ""))
				}
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

func (m *Matrix) tagged(tag string) []Operation {
	var out []Operation
	for _, op := range m.ops {
		if op.Tag == tag {
			out = append(out, op)
		}
	}
	return out
}
