package simnet

import (
	"fmt"
	"slices"
	"strings"
)

// Phone returns the phone of an existing account.
func (s *Server) Phone(phone string) (*Phone, error) {
	acc, err := s.accountByPhone(phone)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if acc.phone == nil {
		return nil, ErrUnknownAccount
	}
	return acc.phone, nil
}

// Account describes one account.
func (s *Server) Account(phone string) (AccountInfo, error) {
	acc, err := s.accountByPhone(phone)
	if err != nil {
		return AccountInfo{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return accountInfo(acc), nil
}

// Accounts lists every account, by phone number.
func (s *Server) Accounts() []AccountInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]AccountInfo, 0, len(s.byPN))
	for _, acc := range s.byPN {
		out = append(out, accountInfo(acc))
	}
	slices.SortFunc(out, func(a, b AccountInfo) int { return strings.Compare(a.Phone, b.Phone) })
	return out
}

// accountInfo must be called with Server.mu held.
func accountInfo(acc *account) AccountInfo {
	info := AccountInfo{Phone: acc.pn.User, PN: acc.pn.String(), LID: acc.lid.String(), Name: acc.name, Devices: []string{}}
	for _, d := range acc.sortedDevices() {
		info.Devices = append(info.Devices, d.pnJID().String())
	}
	return info
}

// AddContacts puts accounts in phone's address book, as a person saves numbers
// on their phone: each becomes the other's contact (what exchanging a message
// does too), so a companion's history sync maps and names them, and each hears
// of the other's device changes.
func (s *Server) AddContacts(phone string, contacts ...string) error {
	acc, err := s.accountByPhone(phone)
	if err != nil {
		return err
	}
	others := make([]*account, 0, len(contacts))
	for _, c := range contacts {
		o, err := s.accountByPhone(c)
		if err != nil {
			return fmt.Errorf("contact %s: %w", c, err)
		}
		others = append(others, o)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range others {
		link(acc, o)
	}
	return nil
}
