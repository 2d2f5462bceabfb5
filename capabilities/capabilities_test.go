package capabilities

import (
	"strings"
	"testing"

	"github.com/wagate/wagate/engines"
)

const base = "https://example.com/issues/new?labels=feature-request"

func TestEmbeddedMatrixLoads(t *testing.T) {
	m, err := Load(base)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Supports("sessions.list", engines.NOWEB) || !m.Supports("server.ping", engines.WEBJS) {
		t.Error("engine-free operations must be supported by every engine")
	}
	if m.Supports("no.such.op", engines.WEBJS) {
		t.Error("unknown operation reported supported")
	}
	// The screenshot is a browser's: NOWEB never has one.
	if m.Supports("screenshot.get", engines.NOWEB) {
		t.Error("screenshot.get supported on NOWEB")
	}
}

func TestFeatureRequestLink(t *testing.T) {
	m, _ := Load(base)
	got := m.FeatureRequest("screenshot.get", engines.NOWEB)
	if !strings.HasPrefix(got, base+"&title=") || !strings.Contains(got, "NOWEB") || !strings.Contains(got, "%2Fapi%2Fscreenshot") {
		t.Fatalf("link = %s", got)
	}
	m2, _ := Load("https://example.com/new")
	if got := m2.FeatureRequest("chats.list", engines.WEBJS); !strings.HasPrefix(got, "https://example.com/new?title=") {
		t.Fatalf("link without query = %s", got)
	}
}

func TestParseRejectsBadMatrices(t *testing.T) {
	cases := map[string]string{
		"missing engine":  "operations:\n- {id: a, method: GET, path: /a, title: A, engines: {WEBJS: supported}}\n",
		"bad support":     "operations:\n- {id: a, method: GET, path: /a, title: A, engines: {WEBJS: yes, NOWEB: supported}}\n",
		"duplicate id":    "operations:\n- {id: a, method: GET, path: /a, title: A, all: true}\n- {id: a, method: GET, path: /b, title: B, all: true}\n",
		"duplicate route": "operations:\n- {id: a, method: GET, path: /a, title: A, all: true}\n- {id: b, method: GET, path: /a, title: B, all: true}\n",
		"no title":        "operations:\n- {id: a, method: GET, path: /a, all: true}\n",
		"unknown key":     "operations:\n- {id: a, method: GET, path: /a, title: A, all: true, colour: red}\n",
		"both":            "operations:\n- {id: a, method: GET, path: /a, title: A, all: true, engines: {WEBJS: supported, NOWEB: supported}}\n",
	}
	for name, doc := range cases {
		if _, err := Parse([]byte(doc), base); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
}

func TestMarkdown(t *testing.T) {
	m, _ := Load(base)
	md := m.Markdown()
	lines := strings.Split(strings.TrimSpace(md), "\n")
	if len(lines) != len(m.Operations())+2 {
		t.Fatalf("%d lines for %d operations", len(lines), len(m.Operations()))
	}
	if !strings.Contains(md, "| Screenshot of the session's page | `GET` | `/api/screenshot` |") {
		t.Fatalf("screenshot row missing:\n%s", md)
	}
	m.Set("screenshot.get", engines.WEBJS, Supported)
	if !strings.Contains(m.Markdown(), "`/api/screenshot` | ✔ | [✘](") {
		t.Fatalf("screenshot row after Set:\n%s", m.Markdown())
	}
}
