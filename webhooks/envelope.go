// Package webhooks delivers the events of every session: to webhooks, through a
// durable outbox in the store with retries, ordering per webhook and HMAC
// signatures, and to websocket clients as a live stream. Service is the
// sessions.Recorder the Manager records through.
package webhooks

import (
	"encoding/json"
	"fmt"
	"runtime"

	"github.com/wagate/wagate/configs"
	"github.com/wagate/wagate/engines"
)

// Environment is WAHA's WAHAEnvironment: the body of GET /api/server/version and
// the "environment" of every event.
type Environment struct {
	Version  string       `json:"version"`
	Engine   engines.Name `json:"engine"` // the default engine for new sessions
	Tier     string       `json:"tier"`
	Browser  *string      `json:"browser"` // the browser WEBJS drives, when this build has WEBJS
	Platform string       `json:"platform"`
	Worker   Worker       `json:"worker"`
}

// Worker names the gateway process among replicas (WAHA_WORKER_ID); null for now.
type Worker struct {
	ID *string `json:"id"`
}

// NewEnvironment describes this gateway; webjs says whether the build runs WEBJS.
func NewEnvironment(cfg configs.Config, version string, webjs bool) Environment {
	env := Environment{
		Version: version, Engine: cfg.Engines.Default, Tier: "CORE",
		Platform: runtime.GOOS + "/" + runtime.GOARCH,
	}
	if webjs {
		b := cfg.Engines.WEBJS.BrowserPath
		env.Browser = &b
	}
	return env
}

// envelope is WAHA's event envelope, exactly as webhooks and websockets get it.
type envelope struct {
	ID          string            `json:"id"`
	Timestamp   int64             `json:"timestamp"`
	Session     string            `json:"session"`
	Metadata    map[string]string `json:"metadata"`
	Engine      engines.Name      `json:"engine"`
	Event       string            `json:"event"`
	Payload     any               `json:"payload"`
	Me          *engines.MeInfo   `json:"me,omitempty"` // before pairing, none
	Environment Environment       `json:"environment"`
}

// Envelope encodes ev as the JSON body every receiver gets.
func Envelope(ev engines.Event, env Environment) ([]byte, error) {
	md := ev.Metadata
	if md == nil {
		md = map[string]string{} // WAHA sends {} rather than null
	}
	body, err := json.Marshal(envelope{
		ID: ev.ID, Timestamp: ev.Time.UnixMilli(), Session: ev.Session, Metadata: md,
		Engine: ev.Engine, Event: ev.Event, Payload: ev.Payload, Me: ev.Me, Environment: env,
	})
	if err != nil {
		return nil, fmt.Errorf("encode %s event %s of session %q: %w", ev.Event, ev.ID, ev.Session, err)
	}
	return body, nil
}
