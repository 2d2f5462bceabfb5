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

func badField(w http.ResponseWriter, format string) {
	writeJSON(w, http.StatusBadRequest, apiError{Error: format})
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
	if p == nil || !decode(w, r, &req) {
		return
	}
	if req.To == "" {
		badField(w, "to: required")
		return
	}
	if req.Latitude < -90 || req.Latitude > 90 || req.Longitude < -180 || req.Longitude > 180 {
		badField(w, "latitude/longitude: out of range")
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
	if p == nil || !decode(w, r, &req) {
		return
	}
	if req.To == "" || len(req.Contacts) == 0 {
		badField(w, "to and contacts: required")
		return
	}
	for _, c := range req.Contacts {
		if !strings.HasPrefix(c.VCard, "BEGIN:VCARD") {
			badField(w, "contacts[].vcard: expected a vCard")
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
	if p == nil || !decode(w, r, &req) {
		return
	}
	if req.To == "" || req.Name == "" || len(req.Options) < 2 {
		badField(w, "to, name and at least two options: required")
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
	if req.To == "" {
		badField(w, "to: required")
		return
	}
	id, err := p.Vote(r.Context(), req.To, req.Sender, r.PathValue("id"), req.Options)
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
	if req.To == "" {
		badField(w, "to: required")
		return
	}
	id, err := p.React(r.Context(), req.To, req.Sender, r.PathValue("id"), req.Reaction)
	sentID(w, id, err)
}

func (s *Server) apiSendUndecryptable(w http.ResponseWriter, r *http.Request) {
	p := s.phoneFor(w, r)
	var req messageReq
	if p == nil || !decode(w, r, &req) {
		return
	}
	if req.To == "" || req.Text == "" {
		badField(w, "to and text: required")
		return
	}
	id, err := p.SendUndecryptable(r.Context(), req.To, req.Text)
	sentID(w, id, err)
}
