package simnet

import (
	"context"
	"encoding/binary"
	"fmt"
	"strconv"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// iqReply is a client's answer to an IQ simnet sent.
type iqReply struct {
	node *waBinary.Node
}

// reply answers a client IQ with type="result".
func (s *Server) reply(c *conn, req *waBinary.Node, content ...waBinary.Node) {
	n := waBinary.Node{Tag: "iq", Attrs: waBinary.Attrs{
		"id": strAttr(req, "id"), "type": "result", "from": types.ServerJID, "t": now(),
	}}
	if len(content) > 0 {
		n.Content = content
	}
	if err := c.send(n); err != nil {
		c.log.Debug("simnet: reply failed", "err", err)
	}
}

// replyError answers a client IQ with an error; whatsmeow maps the code to
// its ErrIQ* values, so the caller fails at once instead of timing out.
func (s *Server) replyError(c *conn, req *waBinary.Node, code int, text string) {
	n := waBinary.Node{Tag: "iq", Attrs: waBinary.Attrs{
		"id": strAttr(req, "id"), "type": "error", "from": types.ServerJID, "t": now(),
	}, Content: []waBinary.Node{{Tag: "error", Attrs: waBinary.Attrs{"code": strconv.Itoa(code), "text": text}}}}
	if err := c.send(n); err != nil {
		c.log.Debug("simnet: error reply failed", "err", err)
	}
}

// requestIQ sends an IQ to a client and waits for its answer.
func (s *Server) requestIQ(ctx context.Context, c *conn, node waBinary.Node) (*waBinary.Node, error) {
	id := newID()
	node.Attrs["id"] = id
	ch := make(chan iqReply, 1)
	s.mu.Lock()
	s.iqWaits[id] = ch
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.iqWaits, id)
		s.mu.Unlock()
	}()
	if err := c.send(node); err != nil {
		return nil, err
	}
	select {
	case r := <-ch:
		return r.node, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for answer to <%s> iq: %w", node.Tag, ctx.Err())
	case <-c.ctx.Done():
		return nil, fmt.Errorf("client disconnected before answering iq %s", id)
	}
}

// handleIQ answers every IQ: unknown ones get a 501 so that nothing hangs
// for whatsmeow's 75 s request timeout.
func (s *Server) handleIQ(c *conn, node *waBinary.Node) {
	typ := strAttr(node, "type")
	if typ == "result" || typ == "error" {
		s.mu.Lock()
		ch := s.iqWaits[strAttr(node, "id")]
		s.mu.Unlock()
		if ch != nil {
			ch <- iqReply{node: node}
		}
		return
	}
	xmlns := strAttr(node, "xmlns")
	if c.dev == nil && xmlns != "md" {
		s.replyError(c, node, 401, "not-authorized")
		return
	}
	switch xmlns {
	case "w:p", "passive", "urn:xmpp:ping", "dirty", "abt", "w:stats":
		s.reply(c, node)
	case "encrypt":
		s.handleEncryptIQ(c, node)
	case "usync":
		s.handleUsync(c, node)
	case "md":
		s.handleMDIQ(c, node)
	case "w:sync:app:state":
		s.handleAppStateIQ(c, node)
	case "w:m":
		s.handleMediaConn(c, node)
	case "privacy":
		s.handlePrivacyIQ(c, node)
	case "w":
		s.reply(c, node, waBinary.Node{Tag: "props", Attrs: waBinary.Attrs{"protocol": "1", "hash": "simnet"}})
	case "blocklist":
		s.handleBlocklistIQ(c, node)
	case "status":
		s.handleStatusIQ(c, node)
	case "w:g2":
		s.handleGroupIQ(c, node)
	case "w:profile:picture":
		s.handleProfilePictureIQ(c, node)
	default:
		c.log.Debug("simnet: unsupported iq", "xmlns", xmlns, "type", typ)
		s.replyError(c, node, 501, "feature-not-implemented")
	}
}

func (s *Server) handlePrivacyIQ(c *conn, node *waBinary.Node) {
	if strAttr(node, "type") != "get" {
		s.reply(c, node)
		return
	}
	cats := []string{"readreceipts", "last", "online", "profile", "status", "groupadd", "calladd", "messages"}
	children := make([]waBinary.Node, 0, len(cats))
	for _, name := range cats {
		children = append(children, waBinary.Node{Tag: "category", Attrs: waBinary.Attrs{"name": name, "value": "all"}})
	}
	s.reply(c, node, waBinary.Node{Tag: "privacy", Content: children})
}

func (s *Server) handleMediaConn(c *conn, node *waBinary.Node) {
	s.reply(c, node, waBinary.Node{Tag: "media_conn", Attrs: waBinary.Attrs{
		"auth": "simnet", "ttl": "3600", "auth_ttl": "3600", "max_buckets": "1",
	}, Content: []waBinary.Node{{Tag: "host", Attrs: waBinary.Attrs{"hostname": MediaHost}}}})
}

// handleEncryptIQ serves prekey counts, uploads and bundle fetches.
func (s *Server) handleEncryptIQ(c *conn, node *waBinary.Node) {
	typ := strAttr(node, "type")
	if _, ok := node.GetOptionalChildByTag("count"); ok && typ == "get" {
		s.mu.Lock()
		n := len(c.dev.prekeys)
		s.mu.Unlock()
		s.reply(c, node, waBinary.Node{Tag: "count", Attrs: waBinary.Attrs{"value": strconv.Itoa(n)}})
		return
	}
	if keyNode, ok := node.GetOptionalChildByTag("key"); ok && typ == "get" {
		s.reply(c, node, waBinary.Node{Tag: "list", Content: s.prekeyBundles(keyNode.GetChildren())})
		return
	}
	if typ == "set" {
		if _, ok := node.GetOptionalChildByTag("list"); ok {
			s.storePrekeys(c.dev, node)
			s.reply(c, node)
			return
		}
	}
	if _, ok := node.GetOptionalChildByTag("digest"); ok {
		s.replyError(c, node, 404, "item-not-found")
		return
	}
	s.replyError(c, node, 501, "feature-not-implemented")
}

func bytesOf(n waBinary.Node) []byte {
	b, _ := n.Content.([]byte)
	return b
}

func (s *Server) storePrekeys(dev *device, node *waBinary.Node) {
	list := node.GetChildByTag("list")
	s.mu.Lock()
	defer s.mu.Unlock()
	if reg := bytesOf(node.GetChildByTag("registration")); len(reg) == 4 {
		dev.regID = reg
	}
	if ident := bytesOf(node.GetChildByTag("identity")); len(ident) == 32 {
		dev.identity = ident
	}
	if skey, ok := node.GetOptionalChildByTag("skey"); ok {
		dev.skeyID = bytesOf(skey.GetChildByTag("id"))
		dev.skeyPub = bytesOf(skey.GetChildByTag("value"))
		dev.skeySig = bytesOf(skey.GetChildByTag("signature"))
	}
	for _, k := range list.GetChildren() {
		dev.prekeys = append(dev.prekeys, prekey{id: bytesOf(k.GetChildByTag("id")), pub: bytesOf(k.GetChildByTag("value"))})
	}
}

// prekeyBundles answers a bundle fetch, popping one one-time key per device
// (the bundle is still valid without one when they run out).
func (s *Server) prekeyBundles(users []waBinary.Node) []waBinary.Node {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]waBinary.Node, 0, len(users))
	for _, u := range users {
		j, ok := jidAttr(&u, "jid")
		if !ok {
			continue
		}
		dev := s.lookupDevice(j)
		if dev == nil || len(dev.identity) != 32 || dev.skeyPub == nil {
			out = append(out, waBinary.Node{Tag: "user", Attrs: waBinary.Attrs{"jid": j}, Content: []waBinary.Node{
				{Tag: "error", Attrs: waBinary.Attrs{"code": "404", "text": "item-not-found"}},
			}})
			continue
		}
		children := []waBinary.Node{
			{Tag: "registration", Content: dev.regID},
			{Tag: "type", Content: []byte{5}},
			{Tag: "identity", Content: dev.identity},
		}
		if len(dev.prekeys) > 0 {
			pk := dev.prekeys[0]
			dev.prekeys = dev.prekeys[1:]
			children = append(children, waBinary.Node{Tag: "key", Content: []waBinary.Node{
				{Tag: "id", Content: pk.id}, {Tag: "value", Content: pk.pub},
			}})
		}
		children = append(children, waBinary.Node{Tag: "skey", Content: []waBinary.Node{
			{Tag: "id", Content: dev.skeyID}, {Tag: "value", Content: dev.skeyPub}, {Tag: "signature", Content: dev.skeySig},
		}})
		out = append(out, waBinary.Node{Tag: "user", Attrs: waBinary.Attrs{"jid": j}, Content: children})
	}
	return out
}

// handleUsync answers device-list, LID, contact and profile queries from
// the registry.
func (s *Server) handleUsync(c *conn, node *waBinary.Node) {
	usync := node.GetChildByTag("usync")
	query := usync.GetChildByTag("query")
	want := map[string]bool{}
	for _, q := range query.GetChildren() {
		want[q.Tag] = true
	}
	list := usync.GetChildByTag("list")
	users := make([]waBinary.Node, 0, len(list.GetChildren()))
	seen := map[types.JID]bool{}
	s.mu.Lock()
	for _, u := range list.GetChildren() {
		j, hasJID := jidAttr(&u, "jid")
		if hasJID {
			// whatsmeow may list a user twice (sending to yourself asks for
			// the recipient and the own account); answering twice would
			// make it encrypt twice for every device.
			if seen[j] {
				continue
			}
			seen[j] = true
		}
		var acc *account
		var contactQuery []byte
		if hasJID {
			acc = s.lookupAccount(j)
		} else if cn, ok := u.GetOptionalChildByTag("contact"); ok {
			contactQuery = contentBytes(cn.Content)
			acc = s.byPN[normalizePhone(string(contactQuery))]
			j = types.NewJID(normalizePhone(string(contactQuery)), types.DefaultUserServer)
			if acc != nil {
				j = acc.pn
			}
		} else {
			continue
		}
		var children []waBinary.Node
		if want["contact"] {
			typ := "out"
			if acc != nil {
				typ = "in"
			}
			children = append(children, waBinary.Node{Tag: "contact", Attrs: waBinary.Attrs{"type": typ}, Content: contactQuery})
		}
		if acc != nil {
			if want["devices"] {
				// The asker now caches acc's devices: it must hear of changes.
				link(c.dev.acc, acc)
				children = append(children, deviceListNode(acc))
			}
			if want["lid"] {
				children = append(children, waBinary.Node{Tag: "lid", Attrs: waBinary.Attrs{"val": acc.lid}})
			}
			blocked := acc.blocks(c.dev.acc)
			if want["status"] && !blocked {
				children = append(children, waBinary.Node{Tag: "status", Content: []byte(acc.aboutText())})
			}
			if want["picture"] && acc.people.picture != nil && !blocked {
				children = append(children, waBinary.Node{Tag: "picture", Attrs: waBinary.Attrs{"id": acc.people.picture.id}})
			}
		}
		users = append(users, waBinary.Node{Tag: "user", Attrs: waBinary.Attrs{"jid": j}, Content: children})
	}
	s.mu.Unlock()
	attrs := waBinary.Attrs{"sid": strAttr(&usync, "sid"), "index": "0", "last": "true"}
	s.reply(c, node, waBinary.Node{Tag: "usync", Attrs: attrs, Content: []waBinary.Node{
		{Tag: "result"},
		{Tag: "list", Content: users},
	}})
}

func contentBytes(content any) []byte {
	switch v := content.(type) {
	case []byte:
		return v
	case string:
		return []byte(v)
	}
	return nil
}

// deviceListNode lists every registered device, each once. Must hold
// Server.mu.
func deviceListNode(acc *account) waBinary.Node {
	devs := acc.sortedDevices()
	items := make([]waBinary.Node, 0, len(devs))
	for _, d := range devs {
		attrs := waBinary.Attrs{"id": strconv.Itoa(int(d.id))}
		if d.id != 0 {
			attrs["key-index"] = strconv.Itoa(int(d.keyIndex))
		}
		items = append(items, waBinary.Node{Tag: "device", Attrs: attrs})
	}
	return waBinary.Node{Tag: "devices", Content: []waBinary.Node{{Tag: "device-list", Content: items}}}
}

func regIDBytes(id uint32) []byte {
	b := make([]byte, 4)
	binary.BigEndian.PutUint32(b, id)
	return b
}
