package engines

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// SessionConfig is WAHA's SessionConfig: what a client sets per session.
type SessionConfig struct {
	Metadata map[string]string `json:"metadata,omitempty"`
	Proxy    *ProxyConfig      `json:"proxy,omitempty"`
	Debug    bool              `json:"debug,omitempty"`
	Ignore   *IgnoreConfig     `json:"ignore,omitempty"`
	Client   *ClientConfig     `json:"client,omitempty"`
	NOWEB    *NOWEBConfig      `json:"noweb,omitempty"`
	WEBJS    *WEBJSConfig      `json:"webjs,omitempty"`
	Webhooks []WebhookConfig   `json:"webhooks,omitempty"`
}

// ProxyConfig routes a session's traffic; Server is "host:port" with no scheme.
type ProxyConfig struct {
	Server   string `json:"server"`
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
}

// IgnoreConfig drops events of some kinds of chats.
type IgnoreConfig struct {
	Status    bool `json:"status,omitempty"`
	Groups    bool `json:"groups,omitempty"`
	Channels  bool `json:"channels,omitempty"`
	Broadcast bool `json:"broadcast,omitempty"`
}

// ClientConfig is the "Linked devices" label.
type ClientConfig struct {
	DeviceName  string `json:"deviceName,omitempty"`
	BrowserName string `json:"browserName,omitempty"`
}

// NOWEBConfig is the NOWEB engine's settings.
type NOWEBConfig struct {
	MarkOnline *bool             `json:"markOnline,omitempty"`
	Store      *NOWEBStoreConfig `json:"store,omitempty"`
}

// MarshalJSON always writes markOnline, true unless set, as WAHA's NowebConfig
// requires it and defaults it.
func (c NOWEBConfig) MarshalJSON() ([]byte, error) {
	type plain NOWEBConfig
	p := plain(c)
	if p.MarkOnline == nil {
		on := true
		p.MarkOnline = &on
	}
	return json.Marshal(p)
}

// NOWEBStoreConfig: whether NOWEB keeps chats and messages, and how much history.
// Enabled nil is the gateway's noweb.store.enabled.
type NOWEBStoreConfig struct {
	Enabled  *bool `json:"enabled,omitempty"`
	FullSync bool  `json:"fullSync"`
}

// WEBJSConfig is the WEBJS engine's settings.
type WEBJSConfig struct {
	TagsEventsOn bool `json:"tagsEventsOn,omitempty"`
}

// WebhookConfig is one webhook of a session.
type WebhookConfig struct {
	URL           string          `json:"url"`
	Events        []string        `json:"events"`
	HMAC          *HMACConfig     `json:"hmac,omitempty"`
	Retries       *RetriesConfig  `json:"retries,omitempty"`
	CustomHeaders []WebhookHeader `json:"customHeaders,omitempty"`
}

// HMACConfig signs webhook bodies.
type HMACConfig struct {
	Key string `json:"key"`
}

// RetriesConfig is a webhook's retry policy.
type RetriesConfig struct {
	Policy       string `json:"policy,omitempty"` // constant, linear or exponential
	DelaySeconds int    `json:"delaySeconds,omitempty"`
	Attempts     int    `json:"attempts,omitempty"`
}

// WebhookHeader is a header added to every webhook request.
type WebhookHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// EventNames are the events a webhook may ask for, as WAHA names them.
var EventNames = []string{
	"session.status", "message", "message.reaction", "message.any", "message.ack",
	"message.ack.group", "message.waiting", "message.revoked", "message.edited",
	"state.change", "group.join", "group.leave", "group.v2.join", "group.v2.leave",
	"group.v2.update", "group.v2.participants", "presence.update", "poll.vote",
	"poll.vote.failed", "chat.archive", "call.received", "call.accepted", "call.rejected",
	"label.upsert", "label.deleted", "label.chat.added", "label.chat.deleted",
	"event.response", "event.response.failed", "engine.event",
}

// ValidateEvents checks event names; "*" means all.
func ValidateEvents(events []string) error {
	var unknown []string
	for _, e := range events {
		if e != "*" && !slices.Contains(EventNames, e) {
			unknown = append(unknown, e)
		}
	}
	if len(unknown) > 0 {
		return fmt.Errorf("unknown event(s) %s", strings.Join(quoteAll(unknown), ", "))
	}
	return nil
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// Validate checks a session config; the error names the offending field.
func (c SessionConfig) Validate() error {
	if c.Proxy != nil {
		if c.Proxy.Server == "" || strings.Contains(c.Proxy.Server, "://") {
			return fmt.Errorf("config.proxy.server: want host:port without a scheme, got %q", c.Proxy.Server)
		}
	}
	for i, w := range c.Webhooks {
		field := fmt.Sprintf("config.webhooks[%d]", i)
		u, err := url.Parse(w.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%s.url: want an http(s) URL, got %q", field, w.URL)
		}
		if len(w.Events) == 0 {
			return fmt.Errorf("%s.events: list at least one event, or \"*\"", field)
		}
		if err := ValidateEvents(w.Events); err != nil {
			return fmt.Errorf("%s.events: %w", field, err)
		}
		if r := w.Retries; r != nil {
			switch r.Policy {
			case "", "constant", "linear", "exponential":
			default:
				return fmt.Errorf("%s.retries.policy: want constant, linear or exponential, got %q", field, r.Policy)
			}
			if r.DelaySeconds < 0 || r.Attempts < 0 {
				return fmt.Errorf("%s.retries: delaySeconds and attempts must not be negative", field)
			}
		}
		for j, h := range w.CustomHeaders {
			switch {
			case h.Name == "":
				return fmt.Errorf("%s.customHeaders[%d].name: required", field, j)
			case !httpguts.ValidHeaderFieldName(h.Name):
				return fmt.Errorf("%s.customHeaders[%d].name: %q is not a header name (letters, digits and !#$%%&'*+-.^_`|~ only)", field, j, h.Name)
			case !httpguts.ValidHeaderFieldValue(h.Value):
				// CR or LF would let a session's config add headers of its own choosing.
				return fmt.Errorf("%s.customHeaders[%d].value: the value of %s has a control character (CR, LF, …)", field, j, h.Name)
			}
		}
	}
	return nil
}
