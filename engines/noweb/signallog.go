package noweb

import (
	"log/slog"

	signallog "go.mau.fi/libsignal/logger"
)

// libsignal initialises its package-level logger lazily on first use, which races
// when several clients (or a simnet) do their first Signal operation at once. Install
// a logger before any goroutine can: debug and info are dropped, warnings and errors
// go to slog's default logger.
func init() {
	if signallog.Logger == nil {
		var l signallog.Loggable = signalLogger{}
		signallog.Setup(&l)
	}
}

type signalLogger struct{}

func (signalLogger) Debug(string, string) {}
func (signalLogger) Info(string, string)  {}
func (signalLogger) Warning(caller, msg string) {
	slog.Warn("libsignal: "+msg, "caller", caller)
}
func (signalLogger) Error(caller, msg string) {
	slog.Error("libsignal: "+msg, "caller", caller)
}
func (signalLogger) Configure(string) {}
