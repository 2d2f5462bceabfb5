package webjs

import (
	"context"
	"errors"
)

// Sentinel errors; test with errors.Is.
var (
	// ErrNotReady: the page is loading, or not logged in and synced.
	ErrNotReady = errors.New("webjs: whatsapp web not ready")
	// ErrNotFound: no such chat, message or media.
	ErrNotFound = errors.New("webjs: not found")
	// ErrInvalid: a malformed argument (id, phone, duration).
	ErrInvalid = errors.New("webjs: invalid argument")
	// ErrNotAllowed: WhatsApp forbids it (edit window passed, not own message…).
	ErrNotAllowed = errors.New("webjs: not allowed")
	// ErrUnsupported: this WhatsApp Web build lacks a module the operation needs.
	ErrUnsupported = errors.New("webjs: unsupported by this whatsapp web build")
	// ErrUnavailable: WhatsApp refused or failed the operation.
	ErrUnavailable = errors.New("webjs: unavailable")
	// ErrTimeout: the page did not answer within the call timeout. It also
	// matches context.DeadlineExceeded.
	ErrTimeout = errors.New("webjs: page did not answer in time")
	// ErrPageCrashed: the renderer of the page crashed.
	ErrPageCrashed = errors.New("webjs: page crashed")
	// ErrBrowserExited: the Chromium process went away.
	ErrBrowserExited = errors.New("webjs: browser exited")
	// ErrClosed: the driver was closed.
	ErrClosed = errors.New("webjs: driver closed")
)

// PageError is an error the injected script reported for an operation.
type PageError struct {
	Op      string // operation, e.g. "editMessage"
	Code    string // not_ready, not_found, invalid, not_allowed, unsupported, unavailable, internal
	Message string
}

func (e *PageError) Error() string {
	return "webjs: " + e.Op + ": " + e.Message + " (" + e.Code + ")"
}

// Is maps the page's error codes onto the sentinel errors.
func (e *PageError) Is(target error) bool {
	switch e.Code {
	case "not_ready":
		return target == ErrNotReady
	case "not_found":
		return target == ErrNotFound
	case "invalid":
		return target == ErrInvalid
	case "not_allowed":
		return target == ErrNotAllowed
	case "unsupported":
		return target == ErrUnsupported
	case "unavailable":
		return target == ErrUnavailable
	}
	return false
}

// timeoutError is ErrTimeout that also matches context.DeadlineExceeded.
type timeoutError struct{ msg string }

func (e *timeoutError) Error() string { return e.msg }
func (e *timeoutError) Is(target error) bool {
	return target == ErrTimeout || target == context.DeadlineExceeded
}
