package sessions

import (
	"github.com/wagate/wagate/engines"

	"context"
	"errors"
	"time"
)

// Record is a session as the store keeps it.
type Record struct {
	Name      string
	Engine    engines.Name
	Config    engines.SessionConfig
	Running   bool // desired state: started by the user and not stopped since
	Status    engines.Status
	Me        *engines.MeInfo
	Failure   string // why the session last went FAILED
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Store persists sessions; package store implements it.
type Store interface {
	ListSessions(ctx context.Context) ([]Record, error)
	// CreateSession fails with ErrExists if the name is taken.
	CreateSession(ctx context.Context, rec Record) error
	// SaveSession updates an existing session.
	SaveSession(ctx context.Context, rec Record) error
	DeleteSession(ctx context.Context, name string) error
}

// Errors of session management.
var (
	ErrExists   = errors.New("session already exists")
	ErrNotFound = errors.New("session not found")
	// ErrPaired refuses to change the engine of a session that is paired.
	ErrPaired = errors.New("session is paired")
)

// StatusChange is one entry of a session's recent status history.
type StatusChange struct {
	Status    engines.Status `json:"status"`
	Timestamp int64          `json:"timestamp"` // unix ms
}

// Info is a session as the API shows it.
type Info struct {
	Name       string
	Engine     engines.Name
	Config     engines.SessionConfig
	Status     engines.Status
	Me         *engines.MeInfo
	Failure    string
	Statuses   []StatusChange // newest last
	Activity   *time.Time
	EngineInfo map[string]any // from engines that implement Informer
	// With leases: the replica running the session ("" when none), and the one it
	// is pinned to, with why.
	Replica, PinnedTo, PinReason string
	// Local: this replica runs the session or, without leases, may (every
	// session is this process's then).
	Local bool
}

// StatusPayload is the payload of the session.status event.
type StatusPayload struct {
	Name     string         `json:"name"`
	Status   engines.Status `json:"status"`
	Statuses []StatusChange `json:"statuses"`
	Data     any            `json:"data"`
}
