package simnet

import (
	"crypto/rand"
	"math/big"
	"slices"
	"strconv"
	"time"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// Groups: the w:g2 IQs (create, metadata, participating, participant
// changes, subject, description, settings, invites, leave), w:gp2
// notifications to every member's devices, group pictures, and the fan-out of
// group messages (each member device gets its own pkmsg/msg with the sender
// key distribution, and the skmsg) with per-member receipts. Groups address
// members by phone number (addressing_mode "pn"), each participant node
// carrying the LID too.

// Roles as the w:g2 participant type attribute writes them.
const (
	roleMember     = ""
	roleAdmin      = "admin"
	roleSuperAdmin = "superadmin"
)

type groupMember struct {
	acc  *account
	role string
}

// group is one simulated group. Guarded by Server.mu.
type group struct {
	jid                types.JID
	subject            string
	subjectAt          int64
	subjectBy          *account
	desc, descID       string
	descAt             int64
	descBy             *account
	creator            *account
	creation           int64
	members            []*groupMember
	announce, locked   bool
	adminAdd, approval bool
	invite             string
	revoked            map[string]bool // old invite codes (410 gone)
	picture            *profilePicture
	participantVersion int
}

// GroupAddPolicy is who may add an account to groups (its "groupadd" privacy).
type GroupAddPolicy string

const (
	GroupAddEveryone GroupAddPolicy = "all"
	// GroupAddNobody: nobody may add the account; an add gets error 403 and an
	// invite (add_request) for the adder to send.
	GroupAddNobody GroupAddPolicy = "none"
)

func (g *group) member(acc *account) *groupMember {
	for _, m := range g.members {
		if m.acc == acc {
			return m
		}
	}
	return nil
}

func (g *group) isAdmin(acc *account) bool {
	m := g.member(acc)
	return m != nil && m.role != roleMember
}

// participantNode is a member as group nodes list them.
func participantNode(acc *account, role string) waBinary.Node {
	attrs := waBinary.Attrs{"jid": acc.pn, "lid": acc.lid}
	if role != roleMember {
		attrs["type"] = role
	}
	return waBinary.Node{Tag: "participant", Attrs: attrs}
}

// node is the group's metadata, as query, create and participating answer it.
func (g *group) node() waBinary.Node {
	attrs := waBinary.Attrs{
		"id": g.jid.User, "creation": strconv.FormatInt(g.creation, 10), "subject": g.subject,
		"s_t": strconv.FormatInt(g.subjectAt, 10), "size": strconv.Itoa(len(g.members)), "addressing_mode": "pn",
		"p_v_id": strconv.Itoa(g.participantVersion),
	}
	if g.creator != nil {
		attrs["creator"] = g.creator.pn
	}
	if g.subjectBy != nil {
		attrs["s_o"] = g.subjectBy.pn
	}
	var content []waBinary.Node
	for _, m := range g.members {
		content = append(content, participantNode(m.acc, m.role))
	}
	if g.desc != "" {
		d := waBinary.Node{Tag: "description", Attrs: waBinary.Attrs{"id": g.descID, "t": strconv.FormatInt(g.descAt, 10)},
			Content: []waBinary.Node{{Tag: "body", Content: []byte(g.desc)}}}
		if g.descBy != nil {
			d.Attrs["participant"] = g.descBy.pn
		}
		content = append(content, d)
	}
	if g.announce {
		content = append(content, waBinary.Node{Tag: "announcement"})
	}
	if g.locked {
		content = append(content, waBinary.Node{Tag: "locked"})
	}
	mode := "all_member_add"
	if g.adminAdd {
		mode = "admin_add"
	}
	content = append(content, waBinary.Node{Tag: "member_add_mode", Content: []byte(mode)})
	if g.approval {
		content = append(content, waBinary.Node{Tag: "membership_approval_mode",
			Content: []waBinary.Node{{Tag: "group_join", Attrs: waBinary.Attrs{"state": "on"}}}})
	}
	return waBinary.Node{Tag: "group", Attrs: attrs, Content: content}
}

// notify sends a w:gp2 notification with content to every device of every
// member (and of extra accounts, e.g. one just removed), except skip (the
// device whose IQ made the change: it has the answer). Must hold s.mu.
func (s *Server) notifyGroup(g *group, actor *account, skip *device, extra []*account, content ...waBinary.Node) {
	accs := g.accounts()
	for _, a := range extra {
		if !slices.Contains(accs, a) {
			accs = append(accs, a)
		}
	}
	s.notifyAccounts(g, actor, skip, accs, content...)
}

// accounts are the members' accounts. Must hold s.mu.
func (g *group) accounts() []*account {
	accs := make([]*account, 0, len(g.members))
	for _, m := range g.members {
		accs = append(accs, m.acc)
	}
	return accs
}

// notifyAccounts sends a w:gp2 notification to every device of accs but skip.
// Must hold s.mu.
func (s *Server) notifyAccounts(g *group, actor *account, skip *device, accs []*account, content ...waBinary.Node) {
	attrs := waBinary.Attrs{"type": "w:gp2", "from": g.jid, "t": now()}
	if actor != nil {
		attrs["participant"] = actor.pn
		attrs["participant_lid"] = actor.lid
		if actor.name != "" {
			attrs["notify"] = actor.name
		}
	}
	for _, a := range accs {
		for _, d := range a.sortedDevices() {
			if d == skip {
				continue
			}
			n := waBinary.Node{Tag: "notification", Attrs: waBinary.Attrs{"id": newID()}, Content: content}
			for k, v := range attrs {
				n.Attrs[k] = v
			}
			d.deliver(n)
		}
	}
}

// notifyJoined tells accounts just added to g (by an admin, or by invite) with
// a create notification carrying the group, as WhatsApp tells the one who
// joins (whatsmeow's JoinedGroup: reason invite for an invite, type add for an
// add); the other members get the add. skip is the device whose IQ did it.
// Must hold s.mu.
func (s *Server) notifyJoined(g *group, actor *account, skip *device, joined []*account, reason string) {
	n := g.node()
	for _, a := range joined {
		for _, d := range a.sortedDevices() {
			if d == skip {
				continue
			}
			attrs := waBinary.Attrs{"id": newID(), "type": "w:gp2", "from": g.jid, "t": now(),
				"participant": actor.pn, "participant_lid": actor.lid}
			d.deliver(waBinary.Node{Tag: "notification", Attrs: attrs, Content: []waBinary.Node{{
				Tag: "create", Attrs: waBinary.Attrs{"reason": reason, "type": "add"}, Content: []waBinary.Node{n}}}})
		}
	}
}

// newGroupID makes a group id in the modern form (120363 followed by digits).
func newGroupID() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000_000_000))
	return "120363" + strconv.FormatInt(1_000_000_000_000+n.Int64(), 10)
}

// newInviteCode makes a 22-character invite code, as WhatsApp's.
func newInviteCode() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 22)
	for i := range b {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		b[i] = alphabet[n.Int64()]
	}
	return string(b)
}

// addOutcome is what an add would do to one account: 0 (added), or WhatsApp's
// error code. Must hold s.mu.
func (s *Server) addOutcome(g *group, by, acc *account) int {
	switch {
	case acc == nil:
		return 404 // not on WhatsApp
	case g.member(acc) != nil:
		return 409
	case acc.people.groupAdd == GroupAddNobody && acc != by:
		return 403
	case acc.blocks(by):
		return 403
	}
	return 0
}

// handleGroupIQ serves the w:g2 namespace.
func (s *Server) handleGroupIQ(c *conn, node *waBinary.Node) {
	to, _ := jidAttr(node, "to")
	children := node.GetChildren()
	if len(children) == 0 {
		s.replyError(c, node, 400, "bad-request")
		return
	}
	child := children[0]
	typ := strAttr(node, "type")
	s.mu.Lock()
	me := c.dev.acc
	if to.User == "" {
		s.handleGroupServerIQ(c, node, &child, typ, me)
		return
	}
	g := s.groups[to.User]
	if g == nil {
		s.mu.Unlock()
		s.replyError(c, node, 404, "item-not-found")
		return
	}
	if child.Tag == "query" && typ == "get" {
		// A non-member may read the group it holds an invite (add_request) to.
		if _, invited := child.GetOptionalChildByTag("add_request"); !invited && g.member(me) == nil {
			s.mu.Unlock()
			s.replyError(c, node, 403, "forbidden")
			return
		}
		n := g.node()
		s.mu.Unlock()
		s.reply(c, node, n)
		return
	}
	if child.Tag == "accept" && typ == "set" {
		s.joinGroup(c, node, g, me, "invite")
		return
	}
	if g.member(me) == nil {
		s.mu.Unlock()
		s.replyError(c, node, 403, "forbidden")
		return
	}
	admin := g.isAdmin(me)
	switch child.Tag {
	case "add", "remove", "promote", "demote":
		s.changeParticipants(c, node, g, me, &child)
		return
	case "subject":
		if g.locked && !admin {
			break
		}
		g.subject, g.subjectAt, g.subjectBy = string(contentBytes(child.Content)), time.Now().Unix(), me
		s.notifyGroup(g, me, c.dev, nil, waBinary.Node{Tag: "subject", Attrs: waBinary.Attrs{
			"subject": g.subject, "s_t": strconv.FormatInt(g.subjectAt, 10), "s_o": me.pn}})
		s.mu.Unlock()
		s.reply(c, node)
		return
	case "description":
		if g.locked && !admin {
			break
		}
		id := strAttr(&child, "id")
		if prev := strAttr(&child, "prev"); prev != g.descID && g.descID != "" {
			s.mu.Unlock()
			s.replyError(c, node, 409, "conflict")
			return
		}
		var n waBinary.Node
		if strAttr(&child, "delete") == "true" {
			g.desc = ""
			n = waBinary.Node{Tag: "description", Attrs: waBinary.Attrs{"id": id}, Content: []waBinary.Node{{Tag: "delete"}}}
		} else {
			g.desc = string(contentBytes(child.GetChildByTag("body").Content))
			n = waBinary.Node{Tag: "description", Attrs: waBinary.Attrs{"id": id},
				Content: []waBinary.Node{{Tag: "body", Content: []byte(g.desc)}}}
		}
		g.descID, g.descAt, g.descBy = id, time.Now().Unix(), me
		s.notifyGroup(g, me, c.dev, nil, n)
		s.mu.Unlock()
		s.reply(c, node)
		return
	case "locked", "unlocked", "announcement", "not_announcement":
		if !admin {
			break
		}
		n := waBinary.Node{Tag: child.Tag}
		switch child.Tag {
		case "locked", "unlocked":
			g.locked = child.Tag == "locked"
		default:
			g.announce = child.Tag == "announcement"
			n.Attrs = waBinary.Attrs{"v_id": strconv.FormatInt(time.Now().UnixNano(), 10)}
		}
		s.notifyGroup(g, me, c.dev, nil, n)
		s.mu.Unlock()
		s.reply(c, node)
		return
	case "member_add_mode":
		if !admin {
			break
		}
		g.adminAdd = string(contentBytes(child.Content)) == "admin_add"
		s.notifyGroup(g, me, c.dev, nil, waBinary.Node{Tag: "member_add_mode", Content: contentBytes(child.Content)})
		s.mu.Unlock()
		s.reply(c, node)
		return
	case "membership_approval_mode":
		if !admin {
			break
		}
		gj := child.GetChildByTag("group_join")
		g.approval = strAttr(&gj, "state") == "on"
		s.mu.Unlock()
		s.reply(c, node)
		return
	case "invite":
		if !admin {
			break
		}
		if typ == "set" || g.invite == "" {
			if g.invite != "" {
				g.revoked[g.invite] = true
			}
			g.invite = newInviteCode()
		}
		code := g.invite
		if typ == "set" {
			s.notifyGroup(g, me, c.dev, nil, waBinary.Node{Tag: "invite", Attrs: waBinary.Attrs{"code": code}})
		}
		s.mu.Unlock()
		s.reply(c, node, waBinary.Node{Tag: "invite", Attrs: waBinary.Attrs{"code": code}})
		return
	default:
		s.mu.Unlock()
		s.replyError(c, node, 501, "feature-not-implemented")
		return
	}
	s.mu.Unlock()
	s.replyError(c, node, 401, "not-authorized")
}

// handleGroupServerIQ serves the w:g2 IQs sent to g.us itself. Called with
// s.mu held; unlocks it.
func (s *Server) handleGroupServerIQ(c *conn, node, child *waBinary.Node, typ string, me *account) {
	switch {
	case child.Tag == "create" && typ == "set":
		now := time.Now().Unix()
		g := &group{jid: types.NewJID(newGroupID(), types.GroupServer), subject: strAttr(child, "subject"),
			subjectAt: now, subjectBy: me, creator: me, creation: now, revoked: map[string]bool{}}
		g.members = []*groupMember{{acc: me, role: roleSuperAdmin}}
		var refused []waBinary.Node
		for _, p := range child.GetChildrenByTag("participant") {
			j, _ := jidAttr(&p, "jid")
			acc := s.lookupAccount(j)
			if code := s.addOutcome(g, me, acc); code != 0 {
				refused = append(refused, s.refusedParticipant(g, j, acc, code))
				continue
			}
			g.members = append(g.members, &groupMember{acc: acc})
		}
		for _, t := range []string{"locked", "announcement"} {
			if _, ok := child.GetOptionalChildByTag(t); ok {
				if t == "locked" {
					g.locked = true
				} else {
					g.announce = true
				}
			}
		}
		s.groups[g.jid.User] = g
		n := g.node()
		s.notifyGroup(g, me, c.dev, nil, waBinary.Node{Tag: "create", Attrs: waBinary.Attrs{"type": "new", "key": strAttr(child, "key")},
			Content: []waBinary.Node{n}})
		answer := n
		answer.Content = append(slices.Clone(n.GetChildren()), refused...)
		s.mu.Unlock()
		s.reply(c, node, answer)
	case child.Tag == "participating" && typ == "get":
		var list []waBinary.Node
		ids := make([]string, 0, len(s.groups))
		for id := range s.groups {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			if g := s.groups[id]; g.member(me) != nil {
				list = append(list, g.node())
			}
		}
		s.mu.Unlock()
		s.reply(c, node, waBinary.Node{Tag: "groups", Content: list})
	case child.Tag == "leave" && typ == "set":
		var left []waBinary.Node
		for _, gn := range child.GetChildrenByTag("group") {
			j, _ := jidAttr(&gn, "id")
			g := s.groups[j.User]
			if g == nil || g.member(me) == nil {
				continue
			}
			s.removeMembers(g, me, c.dev, []*account{me})
			left = append(left, waBinary.Node{Tag: "group", Attrs: waBinary.Attrs{"id": g.jid}})
		}
		s.mu.Unlock()
		s.reply(c, node, waBinary.Node{Tag: "leave", Content: left})
	case child.Tag == "invite":
		code := strAttr(child, "code")
		var g *group
		gone := false
		for _, cand := range s.groups {
			if cand.invite == code && code != "" {
				g = cand
			} else if cand.revoked[code] {
				gone = true
			}
		}
		switch {
		case g == nil && gone:
			s.mu.Unlock()
			s.replyError(c, node, 410, "gone")
		case g == nil:
			s.mu.Unlock()
			s.replyError(c, node, 406, "not-acceptable")
		case typ == "get":
			n := g.node()
			s.mu.Unlock()
			s.reply(c, node, n)
		default:
			s.joinGroup(c, node, g, me, "invite")
		}
	default:
		s.mu.Unlock()
		s.replyError(c, node, 501, "feature-not-implemented")
	}
}

// refusedParticipant is the participant node of an add WhatsApp refused; a
// privacy refusal (403) carries an invite for the adder to send. Must hold s.mu.
func (s *Server) refusedParticipant(g *group, j types.JID, acc *account, code int) waBinary.Node {
	attrs := waBinary.Attrs{"jid": j.ToNonAD(), "error": strconv.Itoa(code)}
	if acc != nil {
		attrs["jid"] = acc.pn
		attrs["lid"] = acc.lid
	}
	n := waBinary.Node{Tag: "participant", Attrs: attrs}
	if code == 403 {
		n.Content = []waBinary.Node{{Tag: "add_request", Attrs: waBinary.Attrs{
			"code": newInviteCode(), "expiration": strconv.FormatInt(time.Now().Add(72*time.Hour).Unix(), 10)}}}
	}
	return n
}

// joinGroup adds the sender by invite. Called with s.mu held; unlocks it.
func (s *Server) joinGroup(c *conn, node *waBinary.Node, g *group, me *account, reason string) {
	if g.member(me) != nil {
		s.mu.Unlock()
		s.replyError(c, node, 304, "not-modified")
		return
	}
	others := g.accounts()
	g.members = append(g.members, &groupMember{acc: me})
	g.participantVersion++
	s.notifyAccounts(g, me, c.dev, others, waBinary.Node{Tag: "add", Attrs: waBinary.Attrs{"reason": reason},
		Content: []waBinary.Node{participantNode(me, roleMember)}})
	s.notifyJoined(g, me, c.dev, []*account{me}, reason)
	s.mu.Unlock()
	s.reply(c, node, waBinary.Node{Tag: "group", Attrs: waBinary.Attrs{"jid": g.jid}})
}

// removeMembers takes accounts out of g and tells everyone, them included.
// Must hold s.mu.
func (s *Server) removeMembers(g *group, actor *account, skip *device, accs []*account) {
	var nodes []waBinary.Node
	for _, a := range accs {
		g.members = slices.DeleteFunc(g.members, func(m *groupMember) bool { return m.acc == a })
		nodes = append(nodes, participantNode(a, roleMember))
	}
	g.participantVersion++
	s.notifyGroup(g, actor, skip, accs, waBinary.Node{Tag: "remove", Content: nodes})
	if len(g.members) == 0 {
		delete(s.groups, g.jid.User)
	}
}

// changeParticipants answers add, remove, promote and demote, one result per
// participant. Called with s.mu held; unlocks it.
func (s *Server) changeParticipants(c *conn, node *waBinary.Node, g *group, me *account, child *waBinary.Node) {
	action := child.Tag
	if !g.isAdmin(me) && !(action == "add" && !g.adminAdd) {
		s.mu.Unlock()
		s.replyError(c, node, 401, "not-authorized")
		return
	}
	var results, changed []waBinary.Node
	var removed, added []*account
	before := g.accounts()
	for _, p := range child.GetChildrenByTag("participant") {
		j, _ := jidAttr(&p, "jid")
		acc := s.lookupAccount(j)
		code := 0
		var m *groupMember
		if acc != nil {
			m = g.member(acc)
		}
		switch {
		case action == "add":
			code = s.addOutcome(g, me, acc)
		case acc == nil:
			code = 404
		case m == nil:
			code = 409 // not a member
		case m.role == roleSuperAdmin && acc != me && action != "promote":
			code = 401 // the creator is not removed or demoted by others
		}
		if code != 0 {
			results = append(results, s.refusedParticipant(g, j, acc, code))
			continue
		}
		switch action {
		case "add":
			g.members = append(g.members, &groupMember{acc: acc})
			added = append(added, acc)
		case "remove":
			removed = append(removed, acc)
		case "promote":
			if m.role == roleMember {
				m.role = roleAdmin
			}
		case "demote":
			if m.role == roleAdmin {
				m.role = roleMember
			}
		}
		results = append(results, participantNode(acc, roleMember))
		changed = append(changed, participantNode(acc, roleMember))
	}
	if len(changed) > 0 {
		prev := g.participantVersion
		g.participantVersion++
		n := waBinary.Node{Tag: action, Attrs: waBinary.Attrs{"prev_v_id": strconv.Itoa(prev), "v_id": strconv.Itoa(g.participantVersion)},
			Content: changed}
		if action == "add" {
			n.Attrs["reason"] = "add"
		}
		if action == "remove" {
			for _, a := range removed {
				g.members = slices.DeleteFunc(g.members, func(m *groupMember) bool { return m.acc == a })
			}
			s.notifyGroup(g, me, c.dev, removed, n)
			if len(g.members) == 0 {
				delete(s.groups, g.jid.User)
			}
		} else if action == "add" {
			s.notifyAccounts(g, me, c.dev, before, n)
			s.notifyJoined(g, me, c.dev, added, "")
		} else {
			s.notifyGroup(g, me, c.dev, nil, n)
		}
	}
	s.mu.Unlock()
	s.reply(c, node, waBinary.Node{Tag: action, Content: results})
}

// groupTargets are the devices a group message goes to: every device of every
// member but the sending one. Must hold s.mu.
func (g *group) devices(sender *device) []*device {
	var out []*device
	for _, m := range g.members {
		for _, d := range m.acc.sortedDevices() {
			if d != sender {
				out = append(out, d)
			}
		}
	}
	return out
}

// handleGroupMessage fans a group message out: each member device gets the
// enc the sender made for it (the sender key distribution) and the skmsg.
// A sender who is not a member, or not an admin of an announcement group, is
// refused with the ack's error (403 / 401), and nothing is delivered.
func (s *Server) handleGroupMessage(c *conn, node *waBinary.Node, to types.JID) {
	id := strAttr(node, "id")
	sender := c.dev
	own := map[string][]waBinary.Node{}
	if parts, ok := node.GetOptionalChildByTag("participants"); ok {
		for _, p := range parts.GetChildren() {
			if j, ok := jidAttr(&p, "jid"); ok && p.Tag == "to" {
				own[j.String()] = p.GetChildrenByTag("enc")
			}
		}
	}
	var shared []waBinary.Node
	for _, ch := range node.GetChildren() {
		if ch.Tag == "enc" || ch.Tag == "device-identity" {
			shared = append(shared, ch)
		}
	}
	ack := waBinary.Attrs{"class": "message", "id": id, "t": now(), "from": to}
	s.mu.Lock()
	g := s.groups[to.User]
	switch {
	case g == nil || g.member(sender.acc) == nil:
		ack["error"] = "403"
	case g.announce && !g.isAdmin(sender.acc) && strAttr(node, "type") != "reaction":
		ack["error"] = "401"
	default:
		for _, d := range g.devices(sender) {
			attrs := waBinary.Attrs{"id": id, "from": to, "t": now(), "type": strAttr(node, "type"),
				"participant": sender.pnJID(), "participant_lid": sender.acc.lid, "addressing_mode": "pn"}
			if name := sender.acc.name; name != "" {
				attrs["notify"] = name
			}
			if v := strAttr(node, "edit"); v != "" {
				attrs["edit"] = v
			}
			var content []waBinary.Node
			for _, key := range []string{d.pnJID().String(), d.lidJID().String()} {
				content = append(content, s.garbled(id, sender, d, own[key])...)
			}
			content = append(content, shared...)
			d.deliver(waBinary.Node{Tag: "message", Attrs: attrs, Content: content})
		}
	}
	s.mu.Unlock()
	if err := c.send(waBinary.Node{Tag: "ack", Attrs: ack}); err != nil {
		c.log.Debug("simnet: group message ack failed", "err", err)
	}
}

// relayGroupReceipt takes a member's receipt of a group message (to the group,
// participant the sender) to the sender's devices, from the group with the
// reader as participant. Must hold s.mu.
func (s *Server) relayGroupReceipt(c *conn, node *waBinary.Node, to types.JID) []*device {
	g := s.groups[to.User]
	p, ok := jidAttr(node, "participant")
	if g == nil || !ok {
		return nil
	}
	acc := s.lookupAccount(p)
	if acc == nil {
		return nil
	}
	var targets []*device
	for _, d := range acc.sortedDevices() {
		if d == c.dev {
			continue
		}
		attrs := waBinary.Attrs{}
		for k, v := range node.Attrs {
			if k != "to" {
				attrs[k] = v
			}
		}
		attrs["from"] = to
		attrs["participant"] = c.dev.pnJID()
		attrs["t"] = now()
		d.deliver(waBinary.Node{Tag: "receipt", Attrs: attrs, Content: node.Content})
		targets = append(targets, d)
	}
	return targets
}

// groupPicture answers w:profile:picture for a group. Called with s.mu held;
// unlocks it.
func (s *Server) handleGroupPictureIQ(c *conn, node *waBinary.Node, target types.JID) {
	g := s.groups[target.User]
	me := c.dev.acc
	if g == nil {
		s.mu.Unlock()
		s.replyError(c, node, 404, "item-not-found")
		return
	}
	switch strAttr(node, "type") {
	case "get":
		if g.picture == nil {
			s.mu.Unlock()
			s.replyError(c, node, 404, "item-not-found")
			return
		}
		pic := g.picture
		path := "/simnet-pp/" + g.jid.User + "/" + pic.id + ".jpg"
		url := "http://" + s.listenerAddr() + path
		s.mu.Unlock()
		s.reply(c, node, waBinary.Node{Tag: "picture", Attrs: waBinary.Attrs{"id": pic.id, "type": "image", "url": url, "direct_path": path}})
	case "set":
		if g.member(me) == nil || (g.locked && !g.isAdmin(me)) {
			s.mu.Unlock()
			s.replyError(c, node, 401, "not-authorized")
			return
		}
		p, ok := node.GetOptionalChildByTag("picture")
		var change waBinary.Node
		if !ok {
			g.picture = nil
			change = waBinary.Node{Tag: "delete", Attrs: waBinary.Attrs{"jid": g.jid, "author": me.pn}}
		} else {
			data := contentBytes(p.Content)
			if len(data) < 3 || data[0] != 0xFF || data[1] != 0xD8 {
				s.mu.Unlock()
				s.replyError(c, node, 406, "not-acceptable")
				return
			}
			g.picture = &profilePicture{id: strconv.FormatInt(time.Now().UnixNano(), 10), jpeg: append([]byte(nil), data...)}
			change = waBinary.Node{Tag: "set", Attrs: waBinary.Attrs{"jid": g.jid, "id": g.picture.id, "author": me.pn}}
		}
		for _, m := range g.members {
			for _, d := range m.acc.sortedDevices() {
				if d != c.dev {
					d.deliver(waBinary.Node{Tag: "notification", Attrs: waBinary.Attrs{"id": newID(), "type": "picture", "from": g.jid, "t": now()},
						Content: []waBinary.Node{change}})
				}
			}
		}
		var answer []waBinary.Node
		if g.picture != nil {
			answer = append(answer, waBinary.Node{Tag: "picture", Attrs: waBinary.Attrs{"id": g.picture.id}})
		}
		s.mu.Unlock()
		s.reply(c, node, answer...)
	default:
		s.mu.Unlock()
		s.replyError(c, node, 400, "bad-request")
	}
}

// groupPictureFile is a group picture's bytes for the pps route. Must hold s.mu.
func (s *Server) groupPictureFile(id, file string) []byte {
	if g := s.groups[id]; g != nil && g.picture != nil && file == g.picture.id+".jpg" {
		return g.picture.jpeg
	}
	return nil
}
