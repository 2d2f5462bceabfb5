package engines

import (
	"fmt"
	"regexp"
)

// NotWorkingError: the session exists but is not in the status the call needs.
type NotWorkingError struct {
	Session  string
	Status   Status
	Expected []Status
}

func (e *NotWorkingError) Error() string {
	return fmt.Sprintf("session %q is %s, expected %v", e.Session, e.Status, e.Expected)
}

var sessionNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,54}$`)

// ValidateSessionName checks a name as WAHA does: 1 to 54 letters, digits, _ or -.
func ValidateSessionName(name string) error {
	if !sessionNameRE.MatchString(name) {
		return fmt.Errorf("session name %q: use 1 to 54 letters, digits, _ or -", truncate(name, 80))
	}
	return nil
}
