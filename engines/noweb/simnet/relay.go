package simnet

import (
	"slices"
	"time"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// handleMessage fans an end-to-end encrypted <message> out to the devices
// it was encrypted for. simnet never decrypts: it only routes, stamps
// from/t and the alternate-address attributes, and acks the sender.
func (s *Server) handleMessage(c *conn, node *waBinary.Node) {
	id := strAttr(node, "id")
	to, _ := jidAttr(node, "to")
	if to.Server == types.GroupServer {
		s.handleGroupMessage(c, node, to)
		return
	}
	sender := c.dev
	var extra []waBinary.Node
	if di, ok := node.GetOptionalChildByTag("device-identity"); ok {
		extra = append(extra, di)
	}
	type target struct {
		jid types.JID
		enc []waBinary.Node
	}
	var targets []target
	if parts, ok := node.GetOptionalChildByTag("participants"); ok {
		for _, p := range parts.GetChildren() {
			if j, ok := jidAttr(&p, "jid"); ok && p.Tag == "to" {
				targets = append(targets, target{jid: j, enc: p.GetChildrenByTag("enc")})
			}
		}
	} else if encs := node.GetChildrenByTag("enc"); len(encs) > 0 {
		// Peer messages (category="peer") go to one own device directly.
		targets = append(targets, target{jid: to, enc: encs})
	}

	s.mu.Lock()
	toAcc := s.lookupAccount(to)
	// A device gets a message once, though the participants may name it
	// twice: whatsmeow sends a message to its own account to the devices of
	// [recipient, own user], the same user twice (the phone's app-state key
	// share and history sync notification), and the real server delivers
	// the first copy only. Nor does it ever send a message back to the device
	// that sent it, whatever the participants say.
	delivered := map[*device]bool{sender: true}
	for _, t := range targets {
		dev := s.lookupDevice(t.jid)
		if dev == nil || dev.acc.blocks(sender.acc) || delivered[dev] {
			// A blocked sender's messages are not delivered (they see one tick).
			continue
		}
		delivered[dev] = true
		link(sender.acc, dev.acc)
		from := sender.jidIn(t.jid)
		attrs := waBinary.Attrs{"id": id, "from": from, "t": now(), "type": strAttr(node, "type")}
		if name := sender.acc.name; name != "" {
			attrs["notify"] = name
		}
		for _, k := range []string{"edit", "category"} {
			if v := strAttr(node, k); v != "" {
				attrs[k] = v
			}
		}
		if dev.acc == sender.acc {
			// An own-device copy: recipient names the chat it belongs to.
			if strAttr(node, "category") != "peer" && toAcc != nil && toAcc != sender.acc {
				attrs["recipient"] = to.ToNonAD()
				if to.Server == types.HiddenUserServer {
					attrs["peer_recipient_pn"] = toAcc.pn
				} else {
					attrs["peer_recipient_lid"] = toAcc.lid
				}
			}
		} else if from.Server == types.HiddenUserServer {
			attrs["sender_pn"] = sender.acc.pn
		} else {
			attrs["sender_lid"] = sender.acc.lid
		}
		content := append(s.garbled(id, sender, dev, t.enc), extra...)
		dev.deliver(waBinary.Node{Tag: "message", Attrs: attrs, Content: content})
	}
	ack := waBinary.Attrs{"class": "message", "id": id, "t": now()}
	if !to.IsEmpty() {
		ack["from"] = to
	}
	ackNode := waBinary.Node{Tag: "ack", Attrs: ack}
	// Held only when a receipt can come: the recipient is online and does not
	// block the sender.
	held := sender.acc.receiptBeforeAck && toAcc != nil && toAcc != sender.acc && toAcc.online() && !toAcc.blocks(sender.acc)
	if held {
		s.holdAck(c, toAcc, id, ackNode)
	}
	s.mu.Unlock()
	if held {
		return
	}
	if err := c.send(ackNode); err != nil {
		c.log.Debug("simnet: message ack failed", "err", err)
	}
}

// heldAck is the server ack of a message, held until the recipient's first
// receipt of it has gone to the sender and the sender has acked that receipt
// (Server.SetReceiptBeforeAck).
type heldAck struct {
	c       *conn
	node    waBinary.Node
	timer   *time.Timer
	relayed bool // the receipt went to the sender; its ack releases this
}

type heldAckKey struct {
	to *account
	id string
}

// holdAck keeps the ack of message id, sent to account to, until the sender has
// acked to's receipt of it (receiptRelayed, receiptAcked) or, failing that, for
// RequestTimeout. Must hold s.mu.
func (s *Server) holdAck(c *conn, to *account, id string, node waBinary.Node) {
	key := heldAckKey{to, id}
	h := &heldAck{c: c, node: node}
	h.timer = time.AfterFunc(s.opts.RequestTimeout, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.heldAcks[key] == h {
			s.releaseAck(key, h)
		}
	})
	s.heldAcks[key] = h
}

// receiptRelayed notes that account from's receipt of messages ids went to
// the devices targets: a held ack of one of them now waits for its sender's
// ack of that receipt (a whatsmeow client with SynchronousAck sends it once its
// handler has run), so the sender has handled the receipt before its send
// returns. Must hold s.mu.
func (s *Server) receiptRelayed(from *account, ids []string, targets []*device) {
	for _, id := range ids {
		key := heldAckKey{from, id}
		if h := s.heldAcks[key]; h != nil {
			if slices.Contains(targets, h.c.dev) {
				h.relayed = true
			} else {
				s.releaseAck(key, h)
			}
		}
	}
}

// receiptAcked releases the held ack of message id once its sender, device d,
// acked the receipt of it that account from sent. Must hold s.mu.
func (s *Server) receiptAcked(d *device, from *account, id string) {
	key := heldAckKey{from, id}
	if h := s.heldAcks[key]; h != nil && h.relayed && h.c.dev == d {
		s.releaseAck(key, h)
	}
}

// releaseAck sends a held ack through the writer, behind what went before it.
// Must hold s.mu.
func (s *Server) releaseAck(key heldAckKey, h *heldAck) {
	delete(s.heldAcks, key)
	h.timer.Stop()
	h.c.push(h.node)
}

// receiptIDs are the message ids a receipt names: its id and those of its list.
func receiptIDs(node *waBinary.Node) []string {
	ids := []string{strAttr(node, "id")}
	if list, ok := node.GetOptionalChildByTag("list"); ok {
		for _, item := range list.GetChildrenByTag("item") {
			ids = append(ids, strAttr(&item, "id"))
		}
	}
	return ids
}

// handleAck takes a device's <ack> of a node the server sent it: the node is
// settled and no longer kept. whatsmeow acks a message instead of sending a
// receipt when it will not handle it (undecryptable, unknown, invalid).
func (s *Server) handleAck(c *conn, node *waBinary.Node) {
	class := strAttr(node, "class")
	if !keptUntilAcked(class) {
		return
	}
	id := strAttr(node, "id")
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.dev == nil {
		return
	}
	c.dev.acked(class, []string{id}, jidString(node.Attrs["to"]), strAttr(node, "type"), jidString(node.Attrs["participant"]))
	if to, ok := jidAttr(node, "to"); ok && class == "receipt" {
		if from := s.lookupAccount(to); from != nil {
			s.receiptAcked(c.dev, from, id)
		}
	}
}

// handleReceipt relays a receipt to the device it names, or to every
// device of the account when it names the account (read receipts name the
// chat). Children (list, retry, keys) travel unchanged.
func (s *Server) handleReceipt(c *conn, node *waBinary.Node) {
	to, ok := jidAttr(node, "to")
	if !ok {
		return
	}
	sender := c.dev
	ids := receiptIDs(node)
	s.mu.Lock()
	defer s.mu.Unlock()
	// A receipt from the device settles the messages it names.
	sender.acked("message", ids, jidString(node.Attrs["to"]), "")
	if to.Server == types.GroupServer {
		s.receiptRelayed(sender.acc, ids, s.relayGroupReceipt(c, node, to))
		return
	}
	acc := s.lookupAccount(to)
	if acc == nil {
		return
	}
	var targets []*device
	if d := acc.devices[to.Device]; to.Device != 0 && d != nil {
		targets = append(targets, d)
	} else {
		for _, d := range acc.sortedDevices() {
			if d != sender {
				targets = append(targets, d)
			}
		}
	}
	from := sender.jidIn(to)
	for _, d := range targets {
		attrs := waBinary.Attrs{}
		for k, v := range node.Attrs {
			if k != "to" {
				attrs[k] = v
			}
		}
		attrs["from"] = from
		attrs["t"] = now()
		if acc != sender.acc {
			if from.Server == types.HiddenUserServer {
				attrs["sender_pn"] = sender.acc.pn
			} else {
				attrs["sender_lid"] = sender.acc.lid
			}
		}
		d.deliver(waBinary.Node{Tag: "receipt", Attrs: attrs, Content: node.Content})
	}
	s.receiptRelayed(sender.acc, ids, targets)
}

// relayChatState forwards typing indicators to the other account.
func (s *Server) relayChatState(c *conn, node *waBinary.Node) {
	to, ok := jidAttr(node, "to")
	if !ok || c.dev == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	acc := s.lookupAccount(to)
	if acc == nil || acc.blocks(c.dev.acc) {
		return
	}
	from := c.dev.acc.pn
	if to.Server == types.HiddenUserServer {
		from = c.dev.acc.lid
	}
	for _, d := range acc.devices {
		if d.conn != nil {
			d.deliver(waBinary.Node{Tag: "chatstate", Attrs: waBinary.Attrs{"from": from}, Content: node.Content})
		}
	}
}
