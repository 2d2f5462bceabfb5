package simnet

import (
	waBinary "go.mau.fi/whatsmeow/binary"
)

// garbleOnce makes the first copy of message id to each linked device of
// another account undecryptable, as when the sender's Signal session with the
// device was lost: the device asks for the message again, and the sender's
// client re-encrypts it on that retry.
func (s *Server) garbleOnce(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.garble == nil {
		s.garble = map[string]map[*device]bool{}
	}
	s.garble[id] = map[*device]bool{}
}

// garbled is a copy of the enc nodes of message id for dev, the ciphertext
// damaged if the message is marked and dev has not had its damaged copy yet.
// Must hold s.mu.
func (s *Server) garbled(id string, sender, dev *device, enc []waBinary.Node) []waBinary.Node {
	out := append([]waBinary.Node{}, enc...)
	done, ok := s.garble[id]
	if !ok || dev.acc == sender.acc || dev.id == 0 || done[dev] {
		return out
	}
	done[dev] = true
	for i, n := range out {
		b, ok := n.Content.([]byte)
		if !ok || len(b) < 2 {
			continue
		}
		c := append([]byte{}, b...)
		c[len(c)/2] ^= 0xff // inside the ciphertext, before the MAC
		out[i].Content = c
	}
	return out
}
