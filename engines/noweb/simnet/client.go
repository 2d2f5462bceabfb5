package simnet

import (
	"net/http"
	"time"

	"go.mau.fi/whatsmeow"
)

// rewriteTransport sends every request, whatever its URL
// (wss://web.whatsapp.com/ws/chat, https://mmg.whatsapp.net/…), to simnet
// over plain HTTP. coder/websocket turns wss into https before calling the
// client, and an *http.Transport's 101 response body stays a
// ReadWriteCloser through this wrapper, so the upgrade works.
type rewriteTransport struct {
	addr string
	base *http.Transport
}

func (t *rewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.URL.Scheme = "http"
	r.URL.Host = t.addr
	r.Host = t.addr
	return t.base.RoundTrip(r)
}

// HTTPClient returns an *http.Client that delivers every request to the
// simnet at addr. Hand it to the three whatsmeow setters (ConfigureClient
// does).
func HTTPClient(addr string) *http.Client {
	return &http.Client{
		Transport: &rewriteTransport{addr: addr, base: &http.Transport{
			MaxIdleConnsPerHost: 16,
			IdleConnTimeout:     30 * time.Second,
		}},
		Timeout: 0, // the websocket client must not time out
	}
}

// ConfigureClient points a whatsmeow client at the simnet listening on
// addr: websocket (logged in and pre-login) and media all go there. Call it
// after any SetProxy*, which would replace the transports. The process must
// also trust simnet's root key (TrustRootKeyForProcess).
func ConfigureClient(cli *whatsmeow.Client, addr string) {
	h := HTTPClient(addr)
	cli.SetWebsocketHTTPClient(h)
	cli.SetPreLoginHTTPClient(h)
	cli.SetMediaHTTPClient(h)
}
