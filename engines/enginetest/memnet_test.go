package enginetest_test

import (
	"testing"

	"github.com/wagate/wagate/capabilities"
	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/enginetest"
	"github.com/wagate/wagate/engines/enginetest/memnet"
	"github.com/wagate/wagate/sessions"
	"github.com/wagate/wagate/store"
)

// memnetHarness runs the suite on the in-memory network, which supports everything:
// it proves the scenarios themselves before a real engine relies on them.
type memnetHarness struct{ n *memnet.Network }

func (h memnetHarness) Engine() engines.Name                              { return engines.NOWEB }
func (h memnetHarness) Factory(*testing.T, *store.Store) sessions.Factory { return h.n.Factory() }
func (h memnetHarness) Account(_ *testing.T, phone, name string) enginetest.Phone {
	return h.n.Account(phone, name)
}

func TestSuiteOnMemnet(t *testing.T) {
	m, err := capabilities.Load("https://example.com/new")
	if err != nil {
		t.Fatal(err)
	}
	has := map[string]bool{}
	for _, op := range memnet.Supported(m) {
		has[op] = true
	}
	for _, op := range m.Operations() {
		if op.Session {
			support := capabilities.Unsupported
			if has[op.ID] {
				support = capabilities.Supported
			}
			m.Set(op.ID, engines.NOWEB, support)
		}
	}
	enginetest.RunWithMatrix(t, memnetHarness{memnet.New()}, m)
}

// TestSuiteChecks501: with the embedded matrix, less what memnet's engine lacks
// (it plays NOWEB, which does more), the same scenarios check the 501s instead.
func TestSuiteChecks501(t *testing.T) {
	m, err := capabilities.Load("https://example.com/new")
	if err != nil {
		t.Fatal(err)
	}
	has := map[string]bool{}
	for _, op := range memnet.Supported(m) {
		has[op] = true
	}
	for _, op := range m.Operations() {
		if op.Session && !has[op.ID] {
			m.Set(op.ID, engines.NOWEB, capabilities.Unsupported)
		}
	}
	enginetest.RunWithMatrix(t, memnetHarness{memnet.New()}, m)
}
