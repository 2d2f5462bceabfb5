package noweb

import (
	"fmt"
	"log/slog"
	"testing"
)

// TestQRPrintedForTheFirstSessions: PrintQR prints the codes of the first
// PrintQRSessions sessions to show one (every code of those), no others; 0 is
// every session.
func TestQRPrintedForTheFirstSessions(t *testing.T) {
	f := &Factory{opts: Options{PrintQR: true, PrintQRSessions: 2}, log: slog.New(slog.DiscardHandler), qrPrinted: map[string]bool{}}
	for _, c := range []struct {
		session string
		want    bool
	}{{"a", true}, {"b", true}, {"a", true}, {"c", false}, {"d", false}, {"b", true}} {
		if got := f.printsQR(c.session); got != c.want {
			t.Errorf("printsQR(%q) = %v, want %v", c.session, got, c.want)
		}
	}
	all := &Factory{opts: Options{PrintQR: true}, log: slog.New(slog.DiscardHandler), qrPrinted: map[string]bool{}}
	for i := range 100 {
		if !all.printsQR(fmt.Sprint(i)) {
			t.Fatalf("PrintQRSessions 0: session %d not printed", i)
		}
	}
	off := &Factory{opts: Options{PrintQRSessions: 5}, log: slog.New(slog.DiscardHandler), qrPrinted: map[string]bool{}}
	if off.printsQR("a") {
		t.Error("printed with PrintQR off")
	}
}
