package fakeweb

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
)

// The groups as WhatsApp's server keeps them (static/groups.js): what the
// server has of a group (the members' view: its members and roles, subject,
// settings, invite code), the notifications it sent the members, and the
// other members acting on it (creating a group with the account in it,
// adding, removing, promoting, changing the subject or settings, joining by
// invite, reading the account's messages).

// GroupMember is one member as the server has it.
type GroupMember struct {
	ID           string `json:"id"` // 123@lid in a LID group, else 123@c.us
	PN           string `json:"pn"` // the phone id, "" when unknown
	IsAdmin      bool   `json:"isAdmin"`
	IsSuperAdmin bool   `json:"isSuperAdmin"`
}

// ServerGroup is a group on the server: what every member sees.
type ServerGroup struct {
	ID            string        `json:"id"`
	Owner         string        `json:"owner"`
	Subject       string        `json:"subject"`
	Desc          string        `json:"desc"`
	DescID        string        `json:"descId"`
	Creation      int64         `json:"creation"`
	Announce      bool          `json:"announce"` // only admins send messages
	Restrict      bool          `json:"restrict"` // only admins edit the info
	MemberAddMode string        `json:"memberAddMode"`
	LIDMode       bool          `json:"lidMode"`
	InviteCode    string        `json:"inviteCode"` // "" until an admin asked for one
	Picture       string        `json:"picture"`    // the picture's id (Server.Picture), "" for none
	Participants  []GroupMember `json:"participants"`
}

// Member is the member with id (either of their ids), nil if none.
func (g *ServerGroup) Member(id string) *GroupMember {
	for i, p := range g.Participants {
		if p.ID == id || (p.PN != "" && p.PN == id) {
			return &g.Participants[i]
		}
	}
	return nil
}

// ServerGroup is the server's copy of group id, nil when there is none.
func (s *Server) ServerGroup(ctx context.Context, id string) (*ServerGroup, error) {
	var g *ServerGroup
	err := s.Do(ctx, "serverGroup", map[string]string{"id": id}, &g)
	return g, err
}

// ServerGroups lists every group the server has (the account's and others').
func (s *Server) ServerGroups(ctx context.Context) ([]ServerGroup, error) {
	var gs []ServerGroup
	err := s.Do(ctx, "serverGroups", nil, &gs)
	return gs, err
}

// GroupNotification is one notification the server sent a group's members.
type GroupNotification struct {
	Group      string   `json:"group"`
	Subtype    string   `json:"subtype"` // create, add, remove, leave, invite, promote, demote, subject, description, announce, restrict, member_add_mode, picture
	Author     string   `json:"author"`
	AuthorPN   string   `json:"authorPn"` // the author's phone id, "" when unknown
	Recipients []string `json:"recipients"`
	// RecipientPNs are the recipients' phone ids, "" where unknown.
	RecipientPNs []string `json:"recipientPns"`
	Body         string   `json:"body"`
	T            int64    `json:"t"`
}

// GroupLog lists the notifications sent for group id ("" for every group), oldest first.
func (s *Server) GroupLog(ctx context.Context, id string) ([]GroupNotification, error) {
	var ns []GroupNotification
	err := s.Do(ctx, "groupLog", map[string]string{"id": id}, &ns)
	return ns, err
}

// MemberResult is the server's answer for one user of a member change.
type MemberResult struct {
	ID   string `json:"id"`
	Code int    `json:"code"` // 200, 403 privacy, 404 not on WhatsApp / not a member, 409 already one
}

// RemoteGroup is a group another user creates.
type RemoteGroup struct {
	Creator      string   // phone digits or an id
	Subject      string   //
	Participants []string // phone digits or ids; the account's own number puts it in
	LIDMode      bool     // members by LID
	Announce     bool     // only admins send
	Restrict     bool     // only admins edit the info
}

// RemoteCreateGroup is user g.Creator creating a group; it returns its id and
// each participant's result.
func (s *Server) RemoteCreateGroup(ctx context.Context, g RemoteGroup) (string, []MemberResult, error) {
	var out struct {
		ID      string         `json:"id"`
		Results []MemberResult `json:"results"`
	}
	err := s.Do(ctx, "remoteCreateGroup", map[string]any{
		"creator": g.Creator, "subject": g.Subject, "participants": g.Participants, "lid": g.LIDMode,
		"announce": g.Announce, "restrict": g.Restrict,
	}, &out)
	return out.ID, out.Results, err
}

// RemoteParticipants is member actor adding, removing, promoting or
// demoting users (action add | remove | promote | demote).
func (s *Server) RemoteParticipants(ctx context.Context, groupID, actor, action string, users []string) ([]MemberResult, error) {
	var out []MemberResult
	err := s.Do(ctx, "remoteParticipants", map[string]any{"id": groupID, "actor": actor, "action": action, "participants": users}, &out)
	return out, err
}

// RemoteLeave is member who leaving the group.
func (s *Server) RemoteLeave(ctx context.Context, groupID, who string) error {
	return s.Do(ctx, "remoteLeave", map[string]any{"id": groupID, "who": who}, nil)
}

// RemoteJoin is user who joining by invite code; it returns the group's id.
func (s *Server) RemoteJoin(ctx context.Context, code, who string) (string, error) {
	var id string
	err := s.Do(ctx, "remoteJoin", map[string]any{"code": code, "who": who}, &id)
	return id, err
}

// RemoteSubject is member actor changing the subject.
func (s *Server) RemoteSubject(ctx context.Context, groupID, actor, subject string) error {
	return s.Do(ctx, "remoteSubject", map[string]any{"id": groupID, "actor": actor, "subject": subject}, nil)
}

// RemoteDescription is member actor changing the description.
func (s *Server) RemoteDescription(ctx context.Context, groupID, actor, desc string) error {
	return s.Do(ctx, "remoteDescription", map[string]any{"id": groupID, "actor": actor, "desc": desc}, nil)
}

// RemoteProperty is admin actor changing a setting: prop announcement,
// restrict or member_add_mode; value 1 or 0 as WhatsApp's IQ has it.
func (s *Server) RemoteProperty(ctx context.Context, groupID, actor, prop string, value int) error {
	return s.Do(ctx, "remoteProperty", map[string]any{"id": groupID, "actor": actor, "prop": prop, "value": value}, nil)
}

// RemoteInviteCode is admin actor asking for the group's invite code (reset: a new one).
func (s *Server) RemoteInviteCode(ctx context.Context, groupID, actor string, reset bool) (string, error) {
	var code string
	err := s.Do(ctx, "remoteInviteCode", map[string]any{"id": groupID, "actor": actor, "reset": reset}, &code)
	return code, err
}

// GroupReceipt is member from sending a receipt for the account's group
// message msgID: kind "" (delivered), "read" or "played". It returns the
// message's ack after it (the slowest member's).
func (s *Server) GroupReceipt(ctx context.Context, msgID, from, kind string) (int, error) {
	var ack int
	err := s.Do(ctx, "groupReceipt", map[string]any{"msgId": msgID, "from": from, "type": kind}, &ack)
	return ack, err
}

// MsgInfo is who has had an own group message delivered and read.
type MsgInfo struct {
	Delivery          []string `json:"delivery"`
	Read              []string `json:"read"`
	Played            []string `json:"played"`
	DeliveryRemaining int      `json:"deliveryRemaining"`
	ReadRemaining     int      `json:"readRemaining"`
}

// MessageInfo is WAWebApiMessageInfoStore.queryMsgInfo of an own group message.
func (s *Server) MessageInfo(ctx context.Context, msgID string) (*MsgInfo, error) {
	var mi *MsgInfo
	err := s.Do(ctx, "msgInfo", map[string]any{"msgId": msgID}, &mi)
	return mi, err
}

// StoredGroup is the copy of group id the server keeps for a tab that connects
// again (a reload, a restart of the session), nil when it keeps none. Its
// members carry no PN, and LIDMode is not filled in.
func (s *Server) StoredGroup(id string) (*ServerGroup, error) {
	s.groups.mu.Lock()
	raw, ok := s.groups.rows[id]
	s.groups.mu.Unlock()
	if !ok {
		return nil, nil
	}
	var g ServerGroup
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, fmt.Errorf("fakeweb: decoding stored group %s: %w", id, err)
	}
	return &g, nil
}

// groupStore is where the server keeps the groups made or changed since the
// account was generated, so a tab that connects again (a reload, a restart
// of the session) finds them, as WhatsApp's servers keep a group.
type groupStore struct {
	mu    sync.Mutex
	order []string
	rows  map[string]json.RawMessage
}

func (s *Server) registerGroups(mux *http.ServeMux) {
	mux.HandleFunc("GET /__fakeweb/groups", func(w http.ResponseWriter, r *http.Request) {
		g := &s.groups
		g.mu.Lock()
		out := make([]json.RawMessage, 0, len(g.order))
		for _, id := range g.order {
			out = append(out, g.rows[id])
		}
		g.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	})
	mux.HandleFunc("PUT /__fakeweb/groups/{id}", func(w http.ResponseWriter, r *http.Request) {
		var row json.RawMessage
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<20)).Decode(&row); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		g := &s.groups
		g.mu.Lock()
		if g.rows == nil {
			g.rows = map[string]json.RawMessage{}
		}
		id := r.PathValue("id")
		if _, ok := g.rows[id]; !ok {
			g.order = append(g.order, id)
		}
		g.rows[id] = row
		g.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
}
