package simnet

import (
	"net/http"
	"slices"
)

// DeviceInfo is one linked device of an account, as the control API shows it.
type DeviceInfo struct {
	Device    string `json:"device"`    // its JID
	Connected bool   `json:"connected"` // a client is logged in as it now
	Logins    int    `json:"logins"`
	// Replaced counts the logins that found another connection of the device
	// open: two clients ran the device at once, and the older was kicked.
	Replaced int `json:"replaced"`
}

// Devices lists the linked (companion) devices of the account phone.
func (s *Server) Devices(phone string) ([]DeviceInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	acc := s.byPN[phone]
	if acc == nil {
		return nil, ErrUnknownAccount
	}
	ids := make([]uint16, 0, len(acc.devices))
	for id := range acc.devices {
		if id != 0 { // device 0 is the phone itself
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	out := make([]DeviceInfo, 0, len(ids))
	for _, id := range ids {
		d := acc.devices[id]
		out = append(out, DeviceInfo{Device: d.pnJID().String(), Connected: d.conn != nil, Logins: d.logins, Replaced: d.replaced})
	}
	return out, nil
}

func (s *Server) apiDevices(w http.ResponseWriter, r *http.Request) {
	devs, err := s.Devices(r.PathValue("phone"))
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, devs)
}
