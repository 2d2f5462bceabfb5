package simnet

import (
	"net/http"
	"strings"
)

// The control API of what a contact sends beyond text and media.
func (s *Server) registerChattingRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /simnet/api/accounts/{phone}/locations", s.apiSendLocation)
	mux.HandleFunc("POST /simnet/api/accounts/{phone}/contacts", s.apiSendContacts)
	mux.HandleFunc("POST /simnet/api/accounts/{phone}/polls", s.apiSendPoll)
	mux.HandleFunc("POST /simnet/api/accounts/{phone}/messages/{id}/vote", s.apiVote)
	mux.HandleFunc("POST /simnet/api/accounts/{phone}/messages/{id}/react", s.apiReact)
	mux.HandleFunc("POST /simnet/api/accounts/{phone}/undecryptable", s.apiSendUndecryptable)
}

func sentID(w http.ResponseWriter, id string, err error) {
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": id})
}

func (s *Server) apiSendLocation(w http.ResponseWriter, r *http.Request) {
	p := s.phoneFor(w, r)
	var req struct {
		To string `json:"to"`
		Location
	}
	if p == nil || !decode(w, r, &req) || !chatField(w, p, "to", req.To) {
		return
	}
	switch {
	case req.Latitude < -90 || req.Latitude > 90:
		badRequest(w, "latitude: must be between -90 and 90, got %g", req.Latitude)
		return
	case req.Longitude < -180 || req.Longitude > 180:
		badRequest(w, "longitude: must be between -180 and 180, got %g", req.Longitude)
		return
	}
	id, err := p.SendLocation(r.Context(), req.To, req.Location)
	sentID(w, id, err)
}

func (s *Server) apiSendContacts(w http.ResponseWriter, r *http.Request) {
	p := s.phoneFor(w, r)
	var req struct {
		To       string `json:"to"`
		Contacts []Card `json:"contacts"`
	}
	if p == nil || !decode(w, r, &req) || !chatField(w, p, "to", req.To) {
		return
	}
	if len(req.Contacts) == 0 {
		badRequest(w, "contacts: required, at least one {name, vcard}")
		return
	}
	for i, c := range req.Contacts {
		if !strings.HasPrefix(c.VCard, "BEGIN:VCARD") {
			badRequest(w, "contacts[%d].vcard: expected a vCard (BEGIN:VCARD … END:VCARD)", i)
			return
		}
	}
	id, err := p.SendContacts(r.Context(), req.To, req.Contacts)
	sentID(w, id, err)
}

func (s *Server) apiSendPoll(w http.ResponseWriter, r *http.Request) {
	p := s.phoneFor(w, r)
	var req struct {
		To              string   `json:"to"`
		Name            string   `json:"name"`
		Options         []string `json:"options"`
		MultipleAnswers bool     `json:"multipleAnswers"`
	}
	if p == nil || !decode(w, r, &req) || !chatField(w, p, "to", req.To) {
		return
	}
	switch {
	case req.Name == "":
		badRequest(w, "name: required, the poll's question")
		return
	case len(req.Options) < 2:
		badRequest(w, "options: at least two, got %d", len(req.Options))
		return
	}
	id, err := p.SendPoll(r.Context(), req.To, req.Name, req.Options, req.MultipleAnswers)
	sentID(w, id, err)
}

// apiVote: {to, sender, options}; sender is who sent the poll ("" for the chat).
func (s *Server) apiVote(w http.ResponseWriter, r *http.Request) {
	p := s.phoneFor(w, r)
	var req struct {
		To      string   `json:"to"`
		Sender  string   `json:"sender"`
		Options []string `json:"options"`
	}
	if p == nil || !decode(w, r, &req) {
		return
	}
	poll, ok := messageTarget(w, p, r.PathValue("id"), &req.To)
	if !ok || req.Sender != "" && !chatField(w, p, "sender", req.Sender) {
		return
	}
	id, err := p.Vote(r.Context(), req.To, req.Sender, poll, req.Options)
	sentID(w, id, err)
}

// apiReact: {to, sender, reaction}; "" takes the reaction back.
func (s *Server) apiReact(w http.ResponseWriter, r *http.Request) {
	p := s.phoneFor(w, r)
	var req struct {
		To       string `json:"to"`
		Sender   string `json:"sender"`
		Reaction string `json:"reaction"`
	}
	if p == nil || !decode(w, r, &req) {
		return
	}
	target, ok := messageTarget(w, p, r.PathValue("id"), &req.To)
	if !ok || req.Sender != "" && !chatField(w, p, "sender", req.Sender) {
		return
	}
	id, err := p.React(r.Context(), req.To, req.Sender, target, req.Reaction)
	sentID(w, id, err)
}

func (s *Server) apiSendUndecryptable(w http.ResponseWriter, r *http.Request) {
	p := s.phoneFor(w, r)
	var req messageReq
	if p == nil || !decode(w, r, &req) || !chatField(w, p, "to", req.To) {
		return
	}
	if req.Text == "" {
		badRequest(w, "text: required")
		return
	}
	id, err := p.SendUndecryptable(r.Context(), req.To, req.Text)
	sentID(w, id, err)
}
