package enginetest_test

import (
	"context"
	"testing"

	"github.com/wagate/wagate/capabilities"
	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/enginetest"
	"github.com/wagate/wagate/engines/enginetest/memnet"
	"github.com/wagate/wagate/sessions"
)

// memnetHarness runs the suite on the in-memory network, which supports everything:
// it proves the scenarios themselves before a real engine relies on them.
type memnetHarness struct{ n *memnet.Network }

func (h memnetHarness) Engine() engines.Name { return engines.NOWEB }
func (h memnetHarness) Factory(_ *testing.T, env enginetest.Env) sessions.Factory {
	return h.n.Factory(env.Media)
}
func (h memnetHarness) Account(_ *testing.T, phone, name string) enginetest.Phone {
	return memnetPhone{h.n.Account(phone, name)}
}

// memnetPhone is a memnet phone as the suite drives it.
type memnetPhone struct{ *memnet.Phone }

func (p memnetPhone) SendMedia(ctx context.Context, to string, m enginetest.Media) (string, error) {
	return p.Phone.SendMedia(ctx, to, memnet.Media{Type: m.Type, Mimetype: m.Mimetype, Filename: m.Filename, Caption: m.Caption, Data: m.Data})
}

func (p memnetPhone) WaitMedia(ctx context.Context, from, id string) (enginetest.Media, error) {
	m, err := p.Phone.WaitMedia(ctx, from, id)
	return enginetest.Media{Type: m.Type, Mimetype: m.Mimetype, Filename: m.Filename, Caption: m.Caption, Data: m.Data,
		Seconds: m.Seconds, Waveform: m.Waveform, Thumbnail: m.Thumbnail}, err
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
