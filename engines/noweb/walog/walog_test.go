package walog

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// TestClosingQuietsErrors: once the client is being torn down, what whatsmeow
// logs as an error or warning (a request in flight failing on the closed
// socket) is written at debug level, by the logger and its sub-loggers.
func TestClosingQuietsErrors(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	lg, closing := NewClosing(l)
	sub := lg.Sub("Client")
	sub.Errorf("before %d", 1)
	closing()
	sub.Errorf("after %d", 2)
	lg.Warnf("after %d", 3)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	want := []string{"level=ERROR msg=\"before 1\" module=Client", "level=DEBUG msg=\"after 2\" module=Client", "level=DEBUG msg=\"after 3\""}
	if len(lines) != len(want) {
		t.Fatalf("logged %q", lines)
	}
	for i, w := range want {
		if !strings.Contains(lines[i], w) {
			t.Errorf("line %d = %q, want %q in it", i, lines[i], w)
		}
	}
}
