package webjs

import (
	"context"
	"fmt"
	"regexp"
	"strings"
)

// PageState asks the injected script where the page stands.
func (d *Driver) PageState(ctx context.Context) (PageState, error) {
	var st PageState
	err := d.call(ctx, "state", nil, &st)
	return st, err
}

// QR returns the QR string to render (ErrNotReady unless waiting for a scan).
func (d *Driver) QR(ctx context.Context) (string, error) {
	var qr string
	err := d.call(ctx, "qr", nil, &qr)
	return qr, err
}

var phoneRe = regexp.MustCompile(`^[0-9]{7,15}$`)

// RequestPairingCode starts pairing by phone number (international digits,
// a leading + and separators are dropped) and returns the 8-character code
// (WAHA shows it as ABCD-EFGH, see FormatPairingCode). While unpaired the
// page refreshes the code and reports each one as an EventCode.
func (d *Driver) RequestPairingCode(ctx context.Context, phone string) (string, error) {
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		if r == '+' || r == ' ' || r == '-' || r == '(' || r == ')' {
			return -1
		}
		return 'x'
	}, phone)
	if !phoneRe.MatchString(digits) {
		return "", fmt.Errorf("%w: phone number %q", ErrInvalid, phone)
	}
	var code string
	err := d.call(ctx, "requestCode", map[string]any{"phone": digits, "intervalMs": d.cfg.PairingCodeInterval.Milliseconds()}, &code)
	return code, err
}

// FormatPairingCode writes an 8-character code as WAHA does: ABCD-EFGH.
func FormatPairingCode(code string) string {
	if len(code) == 8 {
		return code[:4] + "-" + code[4:]
	}
	return code
}

// Me returns the logged-in account.
func (d *Driver) Me(ctx context.Context) (Me, error) {
	var me Me
	err := d.call(ctx, "me", nil, &me)
	return me, err
}

// Logout unlinks this device; the page reloads to a fresh QR afterwards.
func (d *Driver) Logout(ctx context.Context) error {
	return d.call(ctx, "logout", nil, nil)
}
