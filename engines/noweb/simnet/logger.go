package simnet

import (
	"context"
	"fmt"
	"log/slog"

	waLog "go.mau.fi/whatsmeow/util/log"
)

// slogLogger adapts a *slog.Logger to whatsmeow's waLog.Logger, so that the
// phones simnet runs (and any client a caller wires with WALogger) log through
// the same handler as the rest of wagate.
type slogLogger struct {
	l *slog.Logger
}

// WALogger returns a waLog.Logger that writes to l. whatsmeow formats its
// messages printf-style, so the formatted text becomes the slog message.
func WALogger(l *slog.Logger) waLog.Logger {
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	return slogLogger{l: l}
}

func (s slogLogger) log(level slog.Level, msg string, args []any) {
	if !s.l.Enabled(context.Background(), level) {
		return
	}
	s.l.Log(context.Background(), level, fmt.Sprintf(msg, args...))
}

func (s slogLogger) Warnf(msg string, args ...any)  { s.log(slog.LevelWarn, msg, args) }
func (s slogLogger) Errorf(msg string, args ...any) { s.log(slog.LevelError, msg, args) }
func (s slogLogger) Infof(msg string, args ...any)  { s.log(slog.LevelInfo, msg, args) }
func (s slogLogger) Debugf(msg string, args ...any) { s.log(slog.LevelDebug, msg, args) }
func (s slogLogger) Sub(module string) waLog.Logger {
	return slogLogger{l: s.l.With("module", module)}
}
