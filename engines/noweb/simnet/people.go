package simnet

import (
	"net/http"
	"strconv"
	"time"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// defaultAbout is the about text a new account has, as WhatsApp gives one.
const defaultAbout = "Hey there! I am using WhatsApp."

// peopleState is what the server keeps of an account for others: its about,
// picture, blocklist and presence. Guarded by Server.mu.
type peopleState struct {
	about    *string // nil: never set (defaultAbout)
	picture  *profilePicture
	blocked  map[*account]bool
	online   bool
	lastSeen time.Time
	// groupAdd is who may add the account to groups; "" is everyone.
	groupAdd GroupAddPolicy
	// subs are the devices that subscribed to this account's presence, with the
	// id they subscribed by (their presence updates come from that id).
	subs map[*device]types.JID
}

type profilePicture struct {
	id   string
	jpeg []byte
}

func (a *account) aboutText() string {
	if a.people.about == nil {
		return defaultAbout
	}
	return *a.people.about
}

// blocks reports whether a has blocked b. Must hold Server.mu.
func (a *account) blocks(b *account) bool { return a != nil && b != nil && a.people.blocked[b] }

// pictureURL is where the server serves an account's picture (WhatsApp's pps
// host; here simnet's listener, so API clients can fetch it too).
func (s *Server) pictureURL(acc *account) string {
	return "http://" + s.listenerAddr() + "/simnet-pp/" + acc.lid.User + "/" + acc.people.picture.id + ".jpg"
}

// listenerAddr is Addr without taking Server.mu (callers hold it).
func (s *Server) listenerAddr() string {
	if s.listener == nil {
		return ""
	}
	return s.listener.Addr().String()
}

func (s *Server) registerPeopleRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /simnet-pp/{lid}/{file}", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		acc := s.byLID[r.PathValue("lid")]
		data := s.groupPictureFile(r.PathValue("lid"), r.PathValue("file"))
		if acc != nil && acc.people.picture != nil && r.PathValue("file") == acc.people.picture.id+".jpg" {
			data = acc.people.picture.jpeg
		}
		s.mu.Unlock()
		if data == nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "image/jpeg")
		_, _ = w.Write(data)
	})
}

// handleStatusIQ sets the sender's about text.
func (s *Server) handleStatusIQ(c *conn, node *waBinary.Node) {
	if strAttr(node, "type") == "set" {
		if st, ok := node.GetOptionalChildByTag("status"); ok {
			text := string(contentBytes(st.Content))
			s.mu.Lock()
			c.dev.acc.people.about = &text
			s.mu.Unlock()
		}
	}
	s.reply(c, node)
}

// handleProfilePictureIQ gets a user's picture (target) or sets the sender's
// own (no target; no content deletes it); a group target is the group's (groups.go).
func (s *Server) handleProfilePictureIQ(c *conn, node *waBinary.Node) {
	target, hasTarget := jidAttr(node, "target")
	s.mu.Lock()
	if hasTarget && target.Server == types.GroupServer {
		s.handleGroupPictureIQ(c, node, target)
		return
	}
	switch strAttr(node, "type") {
	case "get":
		acc := s.lookupAccount(target)
		if acc == nil || acc.people.picture == nil || acc.blocks(c.dev.acc) {
			s.mu.Unlock()
			s.replyError(c, node, 404, "item-not-found")
			return
		}
		pic := acc.people.picture
		typ := "image"
		if q, ok := node.GetOptionalChildByTag("picture"); ok {
			if strAttr(&q, "id") == pic.id {
				s.mu.Unlock()
				s.reply(c, node, waBinary.Node{Tag: "picture", Attrs: waBinary.Attrs{"status": "304"}})
				return
			}
			if t := strAttr(&q, "type"); t != "" {
				typ = t
			}
		}
		url := s.pictureURL(acc)
		s.mu.Unlock()
		s.reply(c, node, waBinary.Node{Tag: "picture", Attrs: waBinary.Attrs{
			"id": pic.id, "type": typ, "url": url, "direct_path": "/simnet-pp/" + acc.lid.User + "/" + pic.id + ".jpg",
		}})
	case "set":
		if hasTarget && s.lookupAccount(target) != c.dev.acc {
			s.mu.Unlock()
			s.replyError(c, node, 401, "not-authorized")
			return
		}
		acc := c.dev.acc
		p, ok := node.GetOptionalChildByTag("picture")
		if !ok {
			acc.people.picture = nil
			s.mu.Unlock()
			s.reply(c, node)
			return
		}
		data := contentBytes(p.Content)
		if len(data) < 3 || data[0] != 0xFF || data[1] != 0xD8 {
			// WhatsApp takes JPEG only: not-acceptable (406).
			s.mu.Unlock()
			s.replyError(c, node, 406, "not-acceptable")
			return
		}
		acc.people.picture = &profilePicture{id: strconv.FormatInt(time.Now().UnixNano(), 10), jpeg: append([]byte(nil), data...)}
		id := acc.people.picture.id
		s.mu.Unlock()
		s.reply(c, node, waBinary.Node{Tag: "picture", Attrs: waBinary.Attrs{"id": id}})
	default:
		s.mu.Unlock()
		s.replyError(c, node, 400, "bad-request")
	}
}

// handleBlocklistIQ lists (get) or changes (set) the sender's blocklist; a
// change is also told to the account's other devices (account_sync).
func (s *Server) handleBlocklistIQ(c *conn, node *waBinary.Node) {
	s.mu.Lock()
	acc := c.dev.acc
	var changes []waBinary.Node
	if strAttr(node, "type") == "set" {
		for _, item := range node.GetChildrenByTag("item") {
			j, ok := jidAttr(&item, "jid")
			other := s.lookupAccount(j)
			if !ok || other == nil {
				continue
			}
			if acc.people.blocked == nil {
				acc.people.blocked = map[*account]bool{}
			}
			switch action := strAttr(&item, "action"); action {
			case "block":
				acc.people.blocked[other] = true
			case "unblock":
				delete(acc.people.blocked, other)
			default:
				continue
			}
			changes = append(changes, waBinary.Node{Tag: "item", Attrs: waBinary.Attrs{"jid": other.pn, "action": strAttr(&item, "action")}})
		}
	}
	items := make([]waBinary.Node, 0, len(acc.people.blocked))
	for other := range acc.people.blocked {
		items = append(items, waBinary.Node{Tag: "item", Attrs: waBinary.Attrs{"jid": other.pn}})
	}
	dhash := strconv.FormatInt(time.Now().UnixNano(), 10)
	if len(changes) > 0 {
		for _, d := range acc.sortedDevices() {
			if d == c.dev {
				continue
			}
			d.deliver(waBinary.Node{Tag: "notification", Attrs: waBinary.Attrs{
				"id": newID(), "type": "account_sync", "from": acc.pn, "t": now(),
			}, Content: []waBinary.Node{{Tag: "blocklist", Attrs: waBinary.Attrs{"dhash": dhash}, Content: changes}}})
		}
	}
	s.mu.Unlock()
	s.reply(c, node, waBinary.Node{Tag: "list", Attrs: waBinary.Attrs{"dhash": dhash}, Content: items})
}

// handlePresence takes a device's own presence (available, unavailable: the
// account's, carrying its push name) or a subscription to someone else's, which
// the server answers at once with their current presence.
func (s *Server) handlePresence(c *conn, node *waBinary.Node) {
	if c.dev == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	acc := c.dev.acc
	switch typ := strAttr(node, "type"); typ {
	case "subscribe":
		to, ok := jidAttr(node, "to")
		target := s.lookupAccount(to)
		if !ok || target == nil {
			return
		}
		if target.people.subs == nil {
			target.people.subs = map[*device]types.JID{}
		}
		target.people.subs[c.dev] = to.ToNonAD()
		if !target.blocks(acc) {
			c.dev.deliver(presenceNode(target, to.ToNonAD()))
		}
	case "available", "unavailable", "":
		if name := strAttr(node, "name"); name != "" {
			acc.name = name
		}
		online := typ != "unavailable"
		if acc.people.online && !online {
			acc.people.lastSeen = time.Now()
		}
		acc.people.online = online
		for d, as := range acc.people.subs {
			if d.conn != nil && !acc.blocks(d.acc) {
				d.deliver(presenceNode(acc, as))
			}
		}
	}
}

// presenceNode is acc's presence as a subscriber that asked by id `as` sees it.
// Must hold Server.mu.
func presenceNode(acc *account, as types.JID) waBinary.Node {
	attrs := waBinary.Attrs{"from": as}
	if !acc.people.online {
		attrs["type"] = "unavailable"
		if !acc.people.lastSeen.IsZero() {
			attrs["last"] = strconv.FormatInt(acc.people.lastSeen.Unix(), 10)
		}
	}
	return waBinary.Node{Tag: "presence", Attrs: attrs}
}

// handleCall routes a call stanza (offer, accept, reject, terminate) to the
// connected devices of the account it is for, and to the sender's other
// devices for an answer (so they stop ringing); calls are not kept for
// devices that are offline. A blocked caller's offer reaches no one.
func (s *Server) handleCall(c *conn, node *waBinary.Node) {
	to, ok := jidAttr(node, "to")
	if !ok || c.dev == nil {
		return
	}
	id := strAttr(node, "id")
	s.mu.Lock()
	sender := c.dev
	target := s.lookupAccount(to)
	if target != nil && !target.blocks(sender.acc) {
		var kind string
		if children := node.GetChildren(); len(children) == 1 {
			kind = children[0].Tag
		}
		var devs []*device
		devs = append(devs, target.sortedDevices()...)
		if kind != "offer" && target != sender.acc {
			devs = append(devs, sender.acc.sortedDevices()...)
		}
		for _, d := range devs {
			if d == sender || d.conn == nil {
				continue
			}
			attrs := waBinary.Attrs{"id": id, "from": sender.jidIn(to).ToNonAD(), "t": now()}
			if d.acc == sender.acc {
				attrs["from"] = sender.acc.pn
			}
			for _, k := range []string{"platform", "version"} {
				if v := strAttr(node, k); v != "" {
					attrs[k] = v
				}
			}
			d.deliver(waBinary.Node{Tag: "call", Attrs: attrs, Content: node.Content})
		}
	}
	s.mu.Unlock()
	ack := waBinary.Attrs{"class": "call", "id": id, "t": now(), "from": to}
	if err := c.send(waBinary.Node{Tag: "ack", Attrs: ack}); err != nil {
		c.log.Debug("simnet: call ack failed", "err", err)
	}
}
