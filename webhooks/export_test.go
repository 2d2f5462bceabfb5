package webhooks

import "github.com/wagate/wagate/engines"

// Prepared, Prepare and Committed expose the two halves of recording an event, for
// tests that step between them.
type Prepared = prepared

func (s *Service) Prepare(ev engines.Event) (Prepared, error) { return s.prepare(ev) }

func (s *Service) Committed(p Prepared) { s.committed(p) }
