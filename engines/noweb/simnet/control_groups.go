package simnet

import (
	"net/http"
	"strings"
)

// registerGroupControl mounts the control API's group endpoints: a phone
// creates groups, changes members, subject and settings, leaves and joins by
// invite, as a contact of the session's account would.
func (s *Server) registerGroupControl(mux *http.ServeMux) {
	mux.HandleFunc("POST /simnet/api/accounts/{phone}/groups", s.apiCreateGroup)
	mux.HandleFunc("POST /simnet/api/accounts/{phone}/groups/join", s.apiJoinGroup)
	mux.HandleFunc("GET /simnet/api/accounts/{phone}/groups/{group}", s.apiGroupInfo)
	mux.HandleFunc("POST /simnet/api/accounts/{phone}/groups/{group}/participants", s.apiGroupParticipants)
	mux.HandleFunc("POST /simnet/api/accounts/{phone}/groups/{group}/subject", s.apiGroupSubject)
	mux.HandleFunc("POST /simnet/api/accounts/{phone}/groups/{group}/announce", s.apiGroupAnnounce)
	mux.HandleFunc("POST /simnet/api/accounts/{phone}/groups/{group}/leave", s.apiLeaveGroup)
	mux.HandleFunc("POST /simnet/api/accounts/{phone}/groups/{group}/invite", s.apiGroupInvite)
	mux.HandleFunc("POST /simnet/api/accounts/{phone}/group-add", s.apiGroupAddPolicy)
}

func peopleField(w http.ResponseWriter, p *Phone, field string, people []string, required bool) bool {
	if required && len(people) == 0 {
		badRequest(w, "%s: required, a list of phone numbers or ids", field)
		return false
	}
	for i, who := range people {
		if _, err := p.chatJID(who); err != nil {
			badRequest(w, "%s[%d]: %q is not a phone number or id", field, i, who)
			return false
		}
	}
	return true
}

func groupField(w http.ResponseWriter, id string) bool {
	if _, err := groupJID(id); err != nil {
		badRequest(w, "group: %q is not a group id such as 120363000000000001@g.us", id)
		return false
	}
	return true
}

func (s *Server) apiCreateGroup(w http.ResponseWriter, r *http.Request) {
	p := s.phoneFor(w, r)
	var req struct {
		Subject      string   `json:"subject"`
		Participants []string `json:"participants"`
	}
	if p == nil || !decode(w, r, &req) || !peopleField(w, p, "participants", req.Participants, false) {
		return
	}
	if strings.TrimSpace(req.Subject) == "" {
		badRequest(w, "subject: required")
		return
	}
	g, err := p.CreateGroup(r.Context(), req.Subject, req.Participants)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, g)
}

func (s *Server) apiGroupInfo(w http.ResponseWriter, r *http.Request) {
	p := s.phoneFor(w, r)
	if p == nil || !groupField(w, r.PathValue("group")) {
		return
	}
	g, err := p.GroupInfo(r.Context(), r.PathValue("group"))
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, g)
}

func (s *Server) apiGroupParticipants(w http.ResponseWriter, r *http.Request) {
	p := s.phoneFor(w, r)
	var req struct {
		Action       string   `json:"action"`
		Participants []string `json:"participants"`
	}
	if p == nil || !groupField(w, r.PathValue("group")) || !decode(w, r, &req) || !peopleField(w, p, "participants", req.Participants, true) {
		return
	}
	switch req.Action {
	case "add", "remove", "promote", "demote":
	default:
		badRequest(w, "action: expected add, remove, promote or demote, got %q", req.Action)
		return
	}
	res, err := p.ChangeParticipants(r.Context(), r.PathValue("group"), req.Action, req.Participants)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) apiGroupSubject(w http.ResponseWriter, r *http.Request) {
	p := s.phoneFor(w, r)
	var req struct {
		Subject string `json:"subject"`
	}
	if p == nil || !groupField(w, r.PathValue("group")) || !decode(w, r, &req) {
		return
	}
	if strings.TrimSpace(req.Subject) == "" {
		badRequest(w, "subject: required")
		return
	}
	if err := p.SetGroupSubject(r.Context(), r.PathValue("group"), req.Subject); err != nil {
		writeErr(w, err)
		return
	}
	ok(w)
}

func (s *Server) apiGroupAnnounce(w http.ResponseWriter, r *http.Request) {
	p := s.phoneFor(w, r)
	var req struct {
		Enabled bool `json:"enabled"`
	}
	if p == nil || !groupField(w, r.PathValue("group")) || !decode(w, r, &req) {
		return
	}
	if err := p.SetGroupAnnounce(r.Context(), r.PathValue("group"), req.Enabled); err != nil {
		writeErr(w, err)
		return
	}
	ok(w)
}

func (s *Server) apiLeaveGroup(w http.ResponseWriter, r *http.Request) {
	p := s.phoneFor(w, r)
	if p == nil || !groupField(w, r.PathValue("group")) {
		return
	}
	if err := p.LeaveGroup(r.Context(), r.PathValue("group")); err != nil {
		writeErr(w, err)
		return
	}
	ok(w)
}

func (s *Server) apiGroupInvite(w http.ResponseWriter, r *http.Request) {
	p := s.phoneFor(w, r)
	var req struct {
		Reset bool `json:"reset"`
	}
	if p == nil || !groupField(w, r.PathValue("group")) || !decode(w, r, &req) {
		return
	}
	link, err := p.GroupInviteLink(r.Context(), r.PathValue("group"), req.Reset)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"link": link})
}

func (s *Server) apiJoinGroup(w http.ResponseWriter, r *http.Request) {
	p := s.phoneFor(w, r)
	var req struct {
		Code string `json:"code"`
	}
	if p == nil || !decode(w, r, &req) {
		return
	}
	if strings.TrimSpace(req.Code) == "" {
		badRequest(w, "code: required, an invite code or https://chat.whatsapp.com/ link")
		return
	}
	id, err := p.JoinGroup(r.Context(), req.Code)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": id})
}

func (s *Server) apiGroupAddPolicy(w http.ResponseWriter, r *http.Request) {
	p := s.phoneFor(w, r)
	var req struct {
		Policy GroupAddPolicy `json:"policy"`
	}
	if p == nil || !decode(w, r, &req) {
		return
	}
	if req.Policy != GroupAddEveryone && req.Policy != GroupAddNobody {
		badRequest(w, "policy: expected %q or %q, got %q", GroupAddEveryone, GroupAddNobody, req.Policy)
		return
	}
	if err := s.SetGroupAddPolicy(p.pn.User, req.Policy); err != nil {
		writeErr(w, err)
		return
	}
	ok(w)
}
