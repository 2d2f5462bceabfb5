package simnet

import (
	"log/slog"

	waLog "go.mau.fi/whatsmeow/util/log"

	"github.com/wagate/wagate/engines/noweb/walog"
)

// WALogger returns a waLog.Logger that writes to l.
func WALogger(l *slog.Logger) waLog.Logger { return walog.New(l) }
