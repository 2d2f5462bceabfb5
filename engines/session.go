package engines

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"
)

// SessionRecord is a session as the store keeps it.
type SessionRecord struct {
	Name      string
	Engine    Name
	Config    SessionConfig
	Running   bool // desired state: started by the user and not stopped since
	Status    Status
	Me        *MeInfo
	Failure   string // why the session last went FAILED
	CreatedAt time.Time
	UpdatedAt time.Time
}

// SessionStore persists sessions; package store implements it.
type SessionStore interface {
	ListSessions(ctx context.Context) ([]SessionRecord, error)
	// CreateSession fails with ErrSessionExists if the name is taken.
	CreateSession(ctx context.Context, rec SessionRecord) error
	// SaveSession updates an existing session.
	SaveSession(ctx context.Context, rec SessionRecord) error
	DeleteSession(ctx context.Context, name string) error
}

// Errors of session management.
var (
	ErrSessionExists   = errors.New("session already exists")
	ErrSessionNotFound = errors.New("session not found")
	// ErrPaired refuses to change the engine of a session that is paired.
	ErrPaired = errors.New("session is paired")
)

// NotWorkingError: the session exists but is not in the status the call needs.
type NotWorkingError struct {
	Session  string
	Status   Status
	Expected []Status
}

func (e *NotWorkingError) Error() string {
	return fmt.Sprintf("session %q is %s, expected %v", e.Session, e.Status, e.Expected)
}

var sessionNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,54}$`)

// ValidateSessionName checks a name as WAHA does: 1 to 54 letters, digits, _ or -.
func ValidateSessionName(name string) error {
	if !sessionNameRE.MatchString(name) {
		return fmt.Errorf("session name %q: use 1 to 54 letters, digits, _ or -", truncate(name, 80))
	}
	return nil
}

// StatusChange is one entry of a session's recent status history.
type StatusChange struct {
	Status    Status `json:"status"`
	Timestamp int64  `json:"timestamp"` // unix ms
}

// SessionInfo is a session as the API shows it.
type SessionInfo struct {
	Name       string
	Engine     Name
	Config     SessionConfig
	Status     Status
	Me         *MeInfo
	Failure    string
	Statuses   []StatusChange // newest last
	Activity   *time.Time
	EngineInfo map[string]any // from engines that implement Informer
}

// Informer is implemented by engines with facts worth showing in the session info
// (WEBJS: browser memory).
type Informer interface {
	Info(ctx context.Context) map[string]any
}
