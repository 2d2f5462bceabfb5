package engines

import (
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
