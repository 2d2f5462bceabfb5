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
	// receiptBeforeAck holds the server ack of each message the account's
	// devices send to another account until the sender has acked that
	// account's first receipt of it (Server.SetReceiptBeforeAck).
	receiptBeforeAck bool
	// contacts are the accounts this one has exchanged messages with or looked
	// up the devices of, either way round. As on the real server, only they
	// hear of its device changes, and its history sync's PN→LID mappings and
	// push names cover only them: neither grows with the size of the network.
	contacts map[*account]struct{}
	// routed counts the nodes routed to the account's devices (messages,
	// receipts, notifications): what a pairing elsewhere costs it.
	routed int
}

// link makes a and b each other's contacts. Must hold Server.mu.
func link(a, b *account) {
	if a == nil || b == nil || a == b {
		return
	}
	if a.contacts == nil {
		a.contacts = map[*account]struct{}{}
	}
	if b.contacts == nil {
		b.contacts = map[*account]struct{}{}
	}
	a.contacts[b] = struct{}{}
	b.contacts[a] = struct{}{}
}

// online reports whether any device of the account is connected. Must hold
// Server.mu.
func (a *account) online() bool {
	for _, d := range a.devices {
		if d.conn != nil {
			return true
		}
	}
	return false
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

	conn *conn
	// kept is what the server holds for the device, in the order it was routed:
	// messages, receipts and notifications stay until the device acks them (a
	// message with a receipt or an <ack>, the others with an <ack>), as on the
	// real server. Each login of the device gets all of them again, so one the
	// client never acked (it failed to handle it, or it died first) comes back.
	kept          []waBinary.Node
	loggedInOnce  bool
	pendingLinked bool // companion paired but not yet greeted by its phone
	// logins counts the device's logins; replaced those that found another
	// connection of the device still open (two clients ran one device at once,
	// and the older was kicked, as WhatsApp does).
	logins, replaced int
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

// deliver hands node to the device's connection, if any, and keeps it until
// the device acks it when it is a node the server keeps (keptUntilAcked).
// Order is kept: Signal sessions and app-state versions depend on it. Must be
// called with Server.mu held.
func (d *device) deliver(node waBinary.Node) {
	d.acc.routed++
	if keptUntilAcked(node.Tag) {
		d.kept = append(d.kept, node)
	}
	if d.conn != nil {
		d.conn.push(node)
	}
}

// keptUntilAcked reports whether the server keeps a node of this tag for its
// device until the device acks it. Chat states and presence are not kept.
func keptUntilAcked(tag string) bool {
	return tag == "message" || tag == "receipt" || tag == "notification"
}

// acked forgets the kept nodes that an answer of the device settles: tag and
// one of ids, sent from peer (the answer's "to"), and for receipts of the
// receipt type typ (a delivery and a read receipt of one message are two
// nodes). Must hold Server.mu.
//
// In a group, receipts of one message from several members share the id, the
// peer (the group) and the type: participant, when the answer names one (as
// whatsmeow's acks do), tells them apart.
func (d *device) acked(tag string, ids []string, peer, typ string, participant ...string) {
	d.kept = slices.DeleteFunc(d.kept, func(n waBinary.Node) bool {
		if len(participant) > 0 && participant[0] != "" {
			if p := jidString(n.Attrs["participant"]); p != "" && p != participant[0] {
				return false
			}
		}
		return n.Tag == tag && slices.Contains(ids, strAttr(&n, "id")) && jidString(n.Attrs["from"]) == peer &&
			(tag != "receipt" || strAttr(&n, "type") == typ)
	})
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

// jidString is a JID attribute as text, whether it came decoded from the wire
// (types.JID) or was written as a string.
func jidString(v any) string {
	switch j := v.(type) {
	case types.JID:
		return j.String()
	case string:
		return j
	}
	return ""
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
