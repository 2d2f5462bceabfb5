package simnet

import (
	"fmt"

	"github.com/coder/websocket"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// SetReceiptBeforeAck makes the server hold the ack of every message a device
// of account phone sends to another account until that account's first receipt
// of it (delivery, usually) has gone to the sending device and the device has
// acked that receipt: a whatsmeow client with SynchronousAck has then handled
// the receipt before its send call returns. The real server can answer in that
// order when the recipient is quick; with this on, every send does. A message
// to an account with no device online is acked at once, and a held ack that no
// acked receipt releases goes after Options.RequestTimeout.
// Options.ReceiptBeforeAck turns it on for every account.
func (s *Server) SetReceiptBeforeAck(phone string, on bool) error {
	acc, err := s.accountByPhone(phone)
	if err != nil {
		return err
	}
	s.mu.Lock()
	acc.receiptBeforeAck = on
	s.mu.Unlock()
	return nil
}

// KeptNode is a node the server holds for a device until the device acks it.
type KeptNode struct {
	Tag  string // message, receipt or notification
	ID   string
	From types.JID
	Type string
}

// Kept lists what the server holds for device dev of account phone (0 is the
// phone) in delivery order: what it routed to the device and the device has
// not acked. The device's next login gets all of it again.
func (s *Server) Kept(phone string, dev uint16) ([]KeptNode, error) {
	acc, err := s.accountByPhone(phone)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := acc.devices[dev]
	if d == nil {
		return nil, fmt.Errorf("%w: %s has no device %d", ErrUnknownAccount, phone, dev)
	}
	out := make([]KeptNode, len(d.kept))
	for i, n := range d.kept {
		from, _ := n.Attrs["from"].(types.JID)
		out[i] = KeptNode{Tag: n.Tag, ID: strAttr(&n, "id"), From: from, Type: strAttr(&n, "type")}
	}
	return out, nil
}

// DropConnection closes the websocket of device dev of account phone, as the
// server does when it restarts (a stream error 503 first). The client is not logged out: whatsmeow
// reconnects by itself, and its next login gets what it had not acked.
func (s *Server) DropConnection(phone string, dev uint16) error {
	acc, err := s.accountByPhone(phone)
	if err != nil {
		return err
	}
	s.mu.Lock()
	d := acc.devices[dev]
	var c *conn
	if d != nil {
		c = d.conn
	}
	s.mu.Unlock()
	if c == nil {
		return fmt.Errorf("simnet: device %d of %s is not connected", dev, phone)
	}
	// What the real server sends before it closes a connection to restart.
	_ = c.send(waBinary.Node{Tag: "stream:error", Attrs: waBinary.Attrs{"code": "503"}})
	c.close(websocket.StatusGoingAway, "dropped by simnet")
	return nil
}
