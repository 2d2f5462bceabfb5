package fakeweb

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image/jpeg"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// The server side of the people around the account: what WhatsApp's server
// knows of other users (Peer: on WhatsApp, LID, push name, about, picture),
// and the account's own profile as the page sets it (push name, about,
// picture; what other users see). The page fetches both on every connect
// (/__fakeweb/people), as it would learn them from the server.

// Peer is another WhatsApp user as the server knows them.
type Peer struct {
	Phone    string  `json:"phone"` // digits
	LID      string  `json:"lid"`   // 123@lid
	PushName string  `json:"pushname"`
	About    *string `json:"about"` // nil: WhatsApp's default
	// Picture is their profile picture (a JPEG); nil: none.
	Picture []byte `json:"-"`
	Online  bool   `json:"online"`
	// NoGroupAdd: their privacy settings keep others from adding them to
	// groups (an add answers 403 with an invite to send them).
	NoGroupAdd bool `json:"noGroupAdd,omitempty"`
}

// OwnProfile is the account's profile as the server has it: what the
// account's contacts see.
type OwnProfile struct {
	PushName string
	About    *string // nil: never set
	// Picture and Thumbnail are the JPEGs the page uploaded; nil: none.
	Picture, Thumbnail []byte
}

type peopleState struct {
	mu       sync.Mutex
	peers    map[string]Peer // by phone
	own      OwnProfile
	pictures map[string][]byte // picture id → JPEG
	nextPic  int64
}

func (p *peopleState) init() {
	if p.peers == nil {
		p.peers = map[string]Peer{}
		p.pictures = map[string][]byte{}
	}
}

// peopleSpec is what the page gets: peers with their picture ids, and the own profile.
type peopleSpec struct {
	Peers []peerJSON `json:"peers"`
	Own   struct {
		About   *string `json:"about"`
		Picture *string `json:"picture"`
	} `json:"own"`
}

type peerJSON struct {
	Peer
	Picture *string `json:"picture"`
}

func (s *Server) peopleSpec() peopleSpec {
	p := &s.people
	p.mu.Lock()
	defer p.mu.Unlock()
	p.init()
	var spec peopleSpec
	spec.Peers = []peerJSON{}
	for _, peer := range p.peers {
		j := peerJSON{Peer: peer}
		if peer.Picture != nil {
			id := p.pictureID(peer.Picture)
			j.Picture = &id
		}
		spec.Peers = append(spec.Peers, j)
	}
	spec.Own.About = p.own.About
	if p.own.Picture != nil {
		id := p.pictureID(p.own.Picture)
		spec.Own.Picture = &id
	}
	return spec
}

// pictureID stores a picture and returns its id (the same bytes, the same id).
func (p *peopleState) pictureID(jpeg []byte) string {
	for id, b := range p.pictures {
		if bytes.Equal(b, jpeg) {
			return id
		}
	}
	p.nextPic++
	id := strconv.FormatInt(time.Now().UnixNano(), 36) + strconv.FormatInt(p.nextPic, 10)
	p.pictures[id] = jpeg
	return id
}

func (s *Server) registerPeople(mux *http.ServeMux) {
	mux.HandleFunc("GET /__fakeweb/people", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(s.peopleSpec())
	})
	mux.HandleFunc("POST /__fakeweb/own", s.serveOwnChange)
	mux.HandleFunc("PUT /__fakeweb/own/picture", s.serveOwnPicture)
	mux.HandleFunc("PUT /__fakeweb/pictures", s.servePictureUpload)
	mux.HandleFunc("DELETE /__fakeweb/own/picture", func(w http.ResponseWriter, r *http.Request) {
		s.people.mu.Lock()
		s.people.own.Picture, s.people.own.Thumbnail = nil, nil
		s.people.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
}

func (s *Server) serveOwnChange(w http.ResponseWriter, r *http.Request) {
	var ch struct {
		PushName *string `json:"pushname"`
		About    *string `json:"about"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&ch); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.people.mu.Lock()
	if ch.PushName != nil {
		s.people.own.PushName = *ch.PushName
	}
	if ch.About != nil {
		about := *ch.About
		s.people.own.About = &about
	}
	s.people.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// pictureUpload reads a picture the page uploads. As WhatsApp's server, it
// keeps only square JPEGs: the picture at most 640 px, the thumbnail at
// most 96. false: it answered the error.
func pictureUpload(w http.ResponseWriter, r *http.Request) (pic, thumb []byte, ok bool) {
	var up struct {
		Picture   string `json:"picture"`
		Thumbnail string `json:"thumbnail"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<20)).Decode(&up); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return nil, nil, false
	}
	pic, err1 := squareJPEG(up.Picture, 640)
	thumb, err2 := squareJPEG(up.Thumbnail, 96)
	if err1 != nil || err2 != nil {
		http.Error(w, fmt.Sprint("not acceptable: ", err1, err2), http.StatusNotAcceptable)
		return nil, nil, false
	}
	return pic, thumb, true
}

// serveOwnPicture takes the own picture the page uploads.
func (s *Server) serveOwnPicture(w http.ResponseWriter, r *http.Request) {
	pic, thumb, ok := pictureUpload(w, r)
	if !ok {
		return
	}
	p := &s.people
	p.mu.Lock()
	p.init()
	p.own.Picture, p.own.Thumbnail = pic, thumb
	id := p.pictureID(pic)
	p.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"id": id})
}

// servePictureUpload takes a group picture the page uploads and answers its id.
func (s *Server) servePictureUpload(w http.ResponseWriter, r *http.Request) {
	pic, _, ok := pictureUpload(w, r)
	if !ok {
		return
	}
	p := &s.people
	p.mu.Lock()
	p.init()
	id := p.pictureID(pic)
	p.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"id": id})
}

// Picture is a picture the server keeps by id (a group's, a user's), false if none.
func (s *Server) Picture(id string) ([]byte, bool) { return s.storedPicture(id) }

func squareJPEG(b64 string, maxSide int) ([]byte, error) {
	data, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, err
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if cfg.Width != cfg.Height || cfg.Width > maxSide {
		return nil, fmt.Errorf("%d×%d is not a square of at most %d px", cfg.Width, cfg.Height, maxSide)
	}
	return data, nil
}

// storedPicture is a picture the server has by id.
func (s *Server) storedPicture(id string) ([]byte, bool) {
	s.people.mu.Lock()
	defer s.people.mu.Unlock()
	b, ok := s.people.pictures[id]
	return b, ok
}

// SetPeer is what the server knows of another user: on WhatsApp, their LID,
// push name, about, picture, presence. The open tab learns it at once (its
// page would on its next query), a tab opened later on connect.
func (s *Server) SetPeer(ctx context.Context, peer Peer) error {
	p := &s.people
	p.mu.Lock()
	p.init()
	p.peers[peer.Phone] = peer
	p.mu.Unlock()
	if !s.Connected() {
		return nil
	}
	return s.Do(ctx, "setPeople", s.peopleSpec(), nil)
}

// Peer is what the server knows of a user, false if nothing.
func (s *Server) Peer(phone string) (Peer, bool) {
	s.people.mu.Lock()
	defer s.people.mu.Unlock()
	p, ok := s.people.peers[phone]
	return p, ok
}

// PeerPresence is user phone coming online or going offline.
func (s *Server) PeerPresence(ctx context.Context, phone string, online bool) error {
	s.people.mu.Lock()
	if peer, ok := s.people.peers[phone]; ok {
		peer.Online = online
		s.people.peers[phone] = peer
	}
	s.people.mu.Unlock()
	return s.Do(ctx, "peerPresence", map[string]any{"phone": phone, "online": online}, nil)
}

// PeerChatState is user phone typing, recording or paused in their chat with the account.
func (s *Server) PeerChatState(ctx context.Context, phone, state string) error {
	return s.Do(ctx, "peerChatState", map[string]string{"phone": phone, "state": state}, nil)
}

// Own is the account's profile as the server has it.
func (s *Server) Own() OwnProfile {
	s.people.mu.Lock()
	defer s.people.mu.Unlock()
	return s.people.own
}

// RejectedCall is a call the account rejected.
type RejectedCall struct {
	ID string `json:"id"`
	To string `json:"to"` // the caller
}

// RejectedCalls lists the calls the account rejected, oldest first.
func (s *Server) RejectedCalls(ctx context.Context) ([]RejectedCall, error) {
	var out []RejectedCall
	err := s.Do(ctx, "rejectedCalls", nil, &out)
	return out, err
}
