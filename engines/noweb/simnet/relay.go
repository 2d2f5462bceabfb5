package simnet

import (
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// handleMessage fans an end-to-end encrypted <message> out to the devices
// it was encrypted for. simnet never decrypts: it only routes, stamps
// from/t and the alternate-address attributes, and acks the sender.
func (s *Server) handleMessage(c *conn, node *waBinary.Node) {
	id := strAttr(node, "id")
	to, _ := jidAttr(node, "to")
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
	for _, t := range targets {
		dev := s.lookupDevice(t.jid)
		if dev == nil || dev.acc.blocks(sender.acc) {
			// A blocked sender's messages are not delivered (they see one tick).
			continue
		}
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
		content := append(append([]waBinary.Node{}, t.enc...), extra...)
		dev.deliver(waBinary.Node{Tag: "message", Attrs: attrs, Content: content})
	}
	s.mu.Unlock()

	ack := waBinary.Attrs{"class": "message", "id": id, "t": now()}
	if !to.IsEmpty() {
		ack["from"] = to
	}
	if err := c.send(waBinary.Node{Tag: "ack", Attrs: ack}); err != nil {
		c.log.Debug("simnet: message ack failed", "err", err)
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
	s.mu.Lock()
	defer s.mu.Unlock()
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
