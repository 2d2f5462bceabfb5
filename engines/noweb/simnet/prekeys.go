package simnet

import (
	"context"
	"sync"

	"go.mau.fi/whatsmeow/util/keys"
)

// prekeyPoolSize is how many distinct one-time prekey pairs the network's
// phones share: what one phone uploads first (whatsmeow's initial 812) and a
// little more.
const prekeyPoolSize = 1024

// prekeyPool is one set of key pairs every phone of the network hands out as
// its one-time prekeys. whatsmeow makes each phone generate 812 X25519 pairs
// at its first login, about 60 ms of CPU, which made creating ten thousand
// accounts take ten minutes of a core. The phones are simulated and live in
// one process; sharing the pairs changes nothing a companion can see (each
// prekey still has the phone's own id and works for X3DH), only the cost.
type prekeyPool struct {
	mu    sync.Mutex
	pairs []*keys.KeyPair
}

func (p *prekeyPool) pair(i uint32) *keys.KeyPair {
	p.mu.Lock()
	defer p.mu.Unlock()
	idx := int(i % prekeyPoolSize)
	for len(p.pairs) <= idx {
		p.pairs = append(p.pairs, keys.NewKeyPair())
	}
	return p.pairs[idx]
}

// phonePreKeys is a phone's whatsmeow PreKeyStore over the shared pool. It is
// in memory: a phone lives as long as its Server (accounts are not restored
// from DataDir).
type phonePreKeys struct {
	pool *prekeyPool

	mu       sync.Mutex
	next     uint32 // the last id handed out
	uploaded uint32 // ids up to this one were uploaded
	removed  map[uint32]bool
}

func newPhonePreKeys(pool *prekeyPool) *phonePreKeys {
	return &phonePreKeys{pool: pool, removed: map[uint32]bool{}}
}

func (s *phonePreKeys) key(id uint32) *keys.PreKey {
	return &keys.PreKey{KeyPair: *s.pool.pair(id), KeyID: id}
}

// GetOrGenPreKeys returns the not-yet-uploaded prekeys, making more up to count.
func (s *phonePreKeys) GetOrGenPreKeys(_ context.Context, count uint32) ([]*keys.PreKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.next-s.uploaded < count {
		s.next++
	}
	out := make([]*keys.PreKey, 0, count)
	for id := s.uploaded + 1; id <= s.next && uint32(len(out)) < count; id++ {
		out = append(out, s.key(id))
	}
	return out, nil
}

func (s *phonePreKeys) GenOnePreKey(context.Context) (*keys.PreKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	s.uploaded = s.next
	return s.key(s.next), nil
}

func (s *phonePreKeys) GetPreKey(_ context.Context, id uint32) (*keys.PreKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id == 0 || id > s.next || s.removed[id] {
		return nil, nil
	}
	return s.key(id), nil
}

func (s *phonePreKeys) RemovePreKey(_ context.Context, id uint32) error {
	s.mu.Lock()
	s.removed[id] = true
	s.mu.Unlock()
	return nil
}

func (s *phonePreKeys) MarkPreKeysAsUploaded(_ context.Context, upToID uint32) error {
	s.mu.Lock()
	if upToID > s.uploaded {
		s.uploaded = upToID
	}
	s.mu.Unlock()
	return nil
}

func (s *phonePreKeys) UploadedPreKeyCount(context.Context) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for id := uint32(1); id <= s.uploaded; id++ {
		if !s.removed[id] {
			n++
		}
	}
	return n, nil
}
