package server_test

import (
	"crypto/sha512"
	"encoding/hex"
	"testing"
	"time"

	"github.com/wagate/wagate/capabilities"
	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/enginetest"
	"github.com/wagate/wagate/engines/enginetest/memnet"
	"github.com/wagate/wagate/server"
	"github.com/wagate/wagate/sessions"
	"github.com/wagate/wagate/store"
)

const testKey = enginetest.APIKey

// myPhone is the account API-test sessions pair with; contacts are other accounts.
const myPhone = "15550001111"

// api is a gateway under test with memnet engines, where every operation is
// supported, so the handlers are reachable on every route.
type api struct {
	*enginetest.Gateway
	net *memnet.Network
	me  *memnet.Phone
}

type apiOptions struct {
	configuredKey string
	store         *store.Store
	net           *memnet.Network
	bodyLimitMB   int
	limits        server.Limits
}

func allSupported(t *testing.T) *capabilities.Matrix {
	m, err := capabilities.Load("https://example.com/issues/new?labels=feature-request")
	if err != nil {
		t.Fatal(err)
	}
	// memnet does every operation whose interface its engine has, on both engines.
	for _, op := range memnet.Supported(m) {
		for _, n := range engines.Names {
			m.Set(op, n, capabilities.Supported)
		}
	}
	return m
}

func newAPI(t *testing.T, d store.Dialect, o apiOptions) *api {
	t.Helper()
	if o.net == nil {
		o.net = memnet.New()
	}
	files := enginetest.NewMediaFiles(t)
	f := o.net.Factory(files)
	g := enginetest.NewGateway(t, enginetest.GatewayOptions{
		Dialect: d, Store: o.store, Matrix: allSupported(t), APIKey: o.configuredKey, Media: files,
		BodyLimitMB: o.bodyLimitMB, WorkingWait: 500 * time.Millisecond, Limits: o.limits,
		Factories: map[engines.Name]sessions.Factory{engines.WEBJS: f, engines.NOWEB: f},
	})
	return &api{Gateway: g, net: o.net, me: o.net.Account(myPhone, "Tester")}
}

// paired is the config of a session that pairs with myPhone as it starts.
func paired() map[string]any {
	return map[string]any{"metadata": map[string]string{memnet.MetaPair: myPhone}}
}

func (a *api) waitStatus(name string, want engines.Status) enginetest.Session {
	a.T().Helper()
	return a.WaitStatus(name, want, 5*time.Second)
}

func hashKey(k string) string {
	h := sha512.Sum512([]byte(k))
	return "sha512:" + hex.EncodeToString(h[:])
}
