package simnet

import (
	"fmt"
	"slices"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// account is one simulated WhatsApp account: a phone number, a LID, the
// phone (device 0) and any companions. Guarded by Server.mu.
type account struct {
	pn, lid      types.JID // non-AD user JIDs
	name         string
	devices      map[uint16]*device
	nextDevice   uint16
	nextKeyIndex uint32
	// appState holds each collection's patches v1..vN, marshalled
	// waServerSync.SyncdPatch with the version filled in.
	appState map[string][][]byte
	phone    *Phone
	people   peopleState
}

// prekey is a one-time prekey as uploaded (id is the 3-byte wire form).
type prekey struct {
	id, pub []byte
}

// device is one registered device of an account. Guarded by Server.mu.
type device struct {
	acc      *account
	id       uint16
	noiseKey [32]byte
	identity []byte
	regID    []byte // 4 bytes big-endian
	skeyID   []byte
	skeyPub  []byte
	skeySig  []byte
	prekeys  []prekey
	keyIndex uint32
	props    []byte // DeviceProps from the pairing payload (protobuf)

	conn          *conn
	queue         []waBinary.Node
	loggedInOnce  bool
	pendingLinked bool // companion paired but not yet greeted by its phone
}

func (d *device) pnJID() types.JID {
	j := d.acc.pn
	j.Device = d.id
	return j
}

func (d *device) lidJID() types.JID {
	j := d.acc.lid
	j.Device = d.id
	return j
}

// jidIn returns the device JID in the same addressing (PN or LID) as ref.
func (d *device) jidIn(ref types.JID) types.JID {
	if ref.Server == types.HiddenUserServer {
		return d.lidJID()
	}
	return d.pnJID()
}

// deliver hands node to the device's writer if it is connected, else
// queues it for its next login. Order is kept either way: Signal sessions
// and app-state versions depend on it. Must be called with Server.mu held.
func (d *device) deliver(node waBinary.Node) {
	if d.conn != nil && d.conn.enqueue(node) {
		return
	}
	d.queue = append(d.queue, node)
}

// sortedDevices lists an account's devices by id. Must hold Server.mu.
func (a *account) sortedDevices() []*device {
	out := make([]*device, 0, len(a.devices))
	for _, d := range a.devices {
		out = append(out, d)
	}
	slices.SortFunc(out, func(x, y *device) int { return int(x.id) - int(y.id) })
	return out
}

// lookupAccount finds an account by a PN or LID JID (any device). Must hold
// Server.mu.
func (s *Server) lookupAccount(j types.JID) *account {
	switch j.Server {
	case types.DefaultUserServer, types.LegacyUserServer:
		return s.byPN[j.User]
	case types.HiddenUserServer:
		return s.byLID[j.User]
	}
	return nil
}

// lookupDevice finds a device by AD JID in either addressing. Must hold
// Server.mu.
func (s *Server) lookupDevice(j types.JID) *device {
	acc := s.lookupAccount(j)
	if acc == nil {
		return nil
	}
	return acc.devices[j.Device]
}

func (s *Server) accountByPhone(phone string) (*account, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	acc := s.byPN[normalizePhone(phone)]
	if acc == nil {
		return nil, fmt.Errorf("%w: %q", ErrUnknownAccount, phone)
	}
	return acc, nil
}

// normalizePhone strips everything but digits, so "+49 151-123" and
// "49151123@s.whatsapp.net" name the same account.
func normalizePhone(phone string) string {
	if j, err := types.ParseJID(phone); err == nil && j.Server != "" && j.User != "" {
		phone = j.User
	}
	out := make([]byte, 0, len(phone))
	for i := 0; i < len(phone); i++ {
		if phone[i] >= '0' && phone[i] <= '9' {
			out = append(out, phone[i])
		}
	}
	return string(out)
}
