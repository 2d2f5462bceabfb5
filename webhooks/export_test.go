package webhooks

import "github.com/wagate/wagate/engines"

// Prepared, Prepare and Committed expose the two halves of recording an event, for
// tests that step between them.
type Prepared = prepared

func (s *Service) Prepare(ev engines.Event) (Prepared, error) { return s.prepare(ev) }

func (s *Service) Committed(p Prepared) { s.committed(p) }

// Lanes is how many lanes the dispatcher holds in memory: 0 once every lane it
// worked has let go, as an idle lane does.
func (s *Service) Lanes() int {
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	return len(s.d.lanes)
}

// Sends reports whether this replica sends session's rows now, as far as it knows.
func (s *Service) Sends(session string) bool { return s.d.sends(session) }
