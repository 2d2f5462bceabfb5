// Package walog gives whatsmeow a logger that writes to log/slog, so whatsmeow's
// clients (the NOWEB engine's and simnet's phones) log through the same handler as
// the rest of wagate.
package walog

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"

	waLog "go.mau.fi/whatsmeow/util/log"
)

type logger struct {
	l *slog.Logger
	// quiet, once set, logs errors and warnings at debug: see Closing.
	quiet *atomic.Bool
}

// New returns a waLog.Logger that writes to l. whatsmeow formats its messages
// printf-style: the formatted text becomes the slog message, and is only formatted
// when its level is enabled.
func New(l *slog.Logger) waLog.Logger {
	lg, _ := NewClosing(l)
	return lg
}

// NewClosing is New for one client, with closing to call just before the
// client is told to disconnect: what whatsmeow then fails to do in flight (an
// app-state fetch on the closed socket, say) is the teardown's doing, not a
// fault, and is logged at debug level from then on.
func NewClosing(l *slog.Logger) (lg waLog.Logger, closing func()) {
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	q := new(atomic.Bool)
	return logger{l: l, quiet: q}, func() { q.Store(true) }
}

func (s logger) log(level slog.Level, msg string, args []any) {
	if level > slog.LevelDebug && s.quiet.Load() {
		level = slog.LevelDebug
	}
	if !s.l.Enabled(context.Background(), level) {
		return
	}
	s.l.Log(context.Background(), level, fmt.Sprintf(msg, args...))
}

func (s logger) Warnf(msg string, args ...any)  { s.log(slog.LevelWarn, msg, args) }
func (s logger) Errorf(msg string, args ...any) { s.log(slog.LevelError, msg, args) }
func (s logger) Infof(msg string, args ...any)  { s.log(slog.LevelInfo, msg, args) }
func (s logger) Debugf(msg string, args ...any) { s.log(slog.LevelDebug, msg, args) }
func (s logger) Sub(module string) waLog.Logger {
	return logger{l: s.l.With("module", module), quiet: s.quiet}
}
