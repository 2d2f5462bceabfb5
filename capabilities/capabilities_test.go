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
	gw := "tag: T, method: GET, title: A, gateway: supported"
	cases := map[string]string{
		"missing engine":    "operations:\n- {id: a, tag: T, method: GET, path: /a, title: A, session: true, engines: {WEBJS: supported}}\n",
		"bad support":       "operations:\n- {id: a, tag: T, method: GET, path: /a, title: A, session: true, engines: {WEBJS: yes, NOWEB: supported}}\n",
		"duplicate id":      "operations:\n- {id: a, path: /a, " + gw + "}\n- {id: a, path: /b, " + gw + "}\n",
		"duplicate route":   "operations:\n- {id: a, path: /a, " + gw + "}\n- {id: b, path: /a, " + gw + "}\n",
		"no title":          "operations:\n- {id: a, tag: T, method: GET, path: /a, gateway: supported}\n",
		"no tag":            "operations:\n- {id: a, method: GET, path: /a, title: A, gateway: supported}\n",
		"unknown key":       "operations:\n- {id: a, path: /a, colour: red, " + gw + "}\n",
		"both":              "operations:\n- {id: a, path: /a, " + gw + ", engines: {WEBJS: supported, NOWEB: supported}}\n",
		"gateway support":   "operations:\n- {id: a, tag: T, method: GET, path: /a, title: A, gateway: maybe}\n",
		"unknown status":    "operations:\n- {id: a, tag: T, method: GET, path: /a, title: A, session: true, needs: [READY], engines: {WEBJS: supported, NOWEB: supported}}\n",
		"unknown interface": "operations:\n- {id: a, tag: T, method: GET, path: /a, title: A, session: true, interface: Nope, engines: {WEBJS: supported, NOWEB: supported}}\n",
	}
	for name, doc := range cases {
		if _, err := Parse([]byte(doc), base); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
}

// TestEveryWAHAOperation: the matrix has every operation of WAHA's spec, each once,
// under WAHA's tag.
func TestEveryWAHAOperation(t *testing.T) {
	m, _ := Load(base)
	n := 0
	for _, op := range m.Operations() {
		if !op.Wagate {
			n++
		}
	}
	if n != 162 {
		t.Fatalf("%d of WAHA's operations in the matrix, want 162", n)
	}
}

func TestMarkdown(t *testing.T) {
	m, _ := Load(base)
	md := m.Markdown()
	if !strings.Contains(md, "| Screenshot of the session's page | `GET` | `/api/screenshot` |") {
		t.Fatalf("screenshot row missing:\n%s", md)
	}
	for _, tag := range m.Tags() {
		if !strings.Contains(md, "\n### "+tag+"\n") {
			t.Errorf("no section for %s", tag)
		}
	}
	rows := strings.Count(md, "\n| ") - len(m.Tags()) - 1 // minus the tables' headers and the summary's total
	if want := len(m.Operations()) + len(m.Tags()); rows != want {
		t.Errorf("%d table rows, want %d (one per operation, one per tag in the summary)", rows, want)
	}
	m.Set("screenshot.get", engines.WEBJS, Supported)
	if !strings.Contains(m.Markdown(), "`/api/screenshot` | ✔ | [✘](") {
		t.Fatalf("screenshot row after Set:\n%s", m.Markdown())
	}
}
