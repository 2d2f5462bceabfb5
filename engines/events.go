package engines

import (
	"context"
	"crypto/rand"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"
)

// Event is one thing that happened in a session, in WAHA's envelope terms.
type Event struct {
	ID       string // "evt_" + lower-case ULID, stable across redeliveries
	Time     time.Time
	Session  string
	Engine   Name
	Event    string
	Payload  any
	Me       *MeInfo
	Metadata map[string]string
	Config   SessionConfig // the session's config when the event happened (its webhooks)
}

// NewEventID makes an id in WAHA's form.
func NewEventID(t time.Time) string {
	return "evt_" + strings.ToLower(ulid.MustNew(ulid.Timestamp(t), rand.Reader).String())
}

// Publisher takes the events of every session: the webhook outbox and the websocket
// stream subscribe through it.
type Publisher interface {
	Publish(ctx context.Context, ev Event) error
}

// PublisherFunc adapts a function to Publisher.
type PublisherFunc func(ctx context.Context, ev Event) error

// Publish calls f.
func (f PublisherFunc) Publish(ctx context.Context, ev Event) error { return f(ctx, ev) }
