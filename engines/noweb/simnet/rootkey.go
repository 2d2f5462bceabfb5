package simnet

import (
	"log/slog"
	"sync"

	"go.mau.fi/whatsmeow"
)

// rootKeyMu serialises writes to whatsmeow.WACertPubKey; reads happen inside
// whatsmeow's handshake, which we cannot lock, so callers must set the key
// before any client connects.
var rootKeyMu sync.Mutex

// TrustRootKeyForProcess makes every whatsmeow client in this process trust
// certificate chains signed by pub instead of WhatsApp's real root.
//
// DEVELOPMENT/TEST ONLY. whatsmeow keeps the root as a package variable
// (whatsmeow.WACertPubKey), so this is process-wide: after the call no client
// in the process can connect to the real WhatsApp. Call it once, before any
// client connects, from tests, the sandbox, or a gateway that was explicitly
// started in simnet mode; never from a normal `serve` path. It logs loudly so
// that a misconfiguration is visible.
func TrustRootKeyForProcess(pub [32]byte, log *slog.Logger) {
	rootKeyMu.Lock()
	defer rootKeyMu.Unlock()
	if whatsmeow.WACertPubKey == pub {
		return
	}
	whatsmeow.WACertPubKey = pub
	if log != nil {
		log.Warn("simnet: whatsmeow now trusts the simnet root key process-wide; this process can no longer reach the real WhatsApp")
	}
}
