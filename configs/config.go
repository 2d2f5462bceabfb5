// Package configs loads wagate's configuration from a YAML file and the environment.
//
// Every key of the file can also be set by an environment variable named after its
// path: server.port is WAGATE_SERVER_PORT, engines.webjs.browserPath is
// WAGATE_ENGINES_WEBJS_BROWSER_PATH. WAHA's variable names are accepted too, so a WAHA
// deployment switches without edits. The environment wins over the file, and
// WAGATE_ names win over WAHA's.
package configs

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/wagate/wagate/engines"
)

// Config is wagate's whole configuration.
type Config struct {
	Server       Server       `yaml:"server"`
	Data         Data         `yaml:"data"`
	Store        Store        `yaml:"store"`
	Engines      Engines      `yaml:"engines"`
	Sessions     Sessions     `yaml:"sessions"`
	Cluster      Cluster      `yaml:"cluster"`
	Webhook      Webhook      `yaml:"webhook"`
	Media        Media        `yaml:"media"`
	Log          Log          `yaml:"log"`
	Capabilities Capabilities `yaml:"capabilities"`
	Dashboard    Dashboard    `yaml:"dashboard"`
}

// Server is the HTTP API.
type Server struct {
	Host            string        `yaml:"host"`
	Port            int           `yaml:"port"`
	Hostname        string        `yaml:"hostname"`
	BaseURL         string        `yaml:"baseURL"`
	APIKey          string        `yaml:"apiKey"`
	BodyLimitMB     int           `yaml:"bodyLimitMB"`
	ConnsPerClient  int           `yaml:"connsPerClient"`
	ShutdownTimeout time.Duration `yaml:"shutdownTimeout"`
}

// Data is where wagate keeps its files.
type Data struct {
	Dir string `yaml:"dir"`
}

// Store is the database.
type Store struct {
	DSN string `yaml:"dsn"`
	// ConnectTimeout is how long start-up keeps trying a database that does not
	// answer yet (a PostgreSQL container starting beside ours) before it gives up.
	ConnectTimeout time.Duration `yaml:"connectTimeout"`
}

// Engines are the engine settings.
type Engines struct {
	Default engines.Name `yaml:"default"`
	WEBJS   WEBJS        `yaml:"webjs"`
	NOWEB   NOWEB        `yaml:"noweb"`
}

// WEBJS is the browser engine.
type WEBJS struct {
	BrowserPath string `yaml:"browserPath"`
	URL         string `yaml:"url"`
	// Sandbox runs Chromium in its own sandbox. Docker's default seccomp profile
	// stops the sandbox of a non-root process, so the image turns it off; the
	// container is the boundary then.
	Sandbox bool `yaml:"sandbox"`
	// ChromiumFlags are added to Chromium's command line, or replace the value of
	// one wagate sets: "--lang=de", "--proxy-server=http://proxy:3128".
	ChromiumFlags ChromiumFlags `yaml:"chromiumFlags"`
}

// ChromiumFlags are Chromium switches as written on its command line. In the
// environment they are one string, separated by spaces.
type ChromiumFlags []string

// Map is the flags as the WEBJS driver takes them: a switch without a value is
// true. The flags are assumed Valid.
func (f ChromiumFlags) Map() map[string]any {
	if len(f) == 0 {
		return nil
	}
	out := make(map[string]any, len(f))
	for _, s := range f {
		name, value, hasValue := strings.Cut(strings.TrimPrefix(s, "--"), "=")
		if hasValue {
			out[name] = value
		} else {
			out[name] = true
		}
	}
	return out
}

// Valid reports the first flag that is not "--name" or "--name=value", if any.
func (f ChromiumFlags) Valid() error {
	for _, s := range f {
		name, _, _ := strings.Cut(strings.TrimPrefix(s, "--"), "=")
		if !strings.HasPrefix(s, "--") || name == "" || strings.ContainsAny(name, " \t\r\n") {
			return fmt.Errorf("%q is not --name or --name=value", s)
		}
	}
	return nil
}

// NOWEB is the whatsmeow engine.
type NOWEB struct {
	StoreEnabled bool `yaml:"storeEnabled"`
	FullSync     bool `yaml:"fullSync"`
	PrintQR      bool `yaml:"printQR"`
	// PrintQRSessions is how many sessions' QR codes PrintQR prints (the first
	// to show one in this process); 0 prints every session's.
	PrintQRSessions int    `yaml:"printQRSessions"`
	Simnet          Simnet `yaml:"simnet"`
}

// Simnet points NOWEB at a simulated WhatsApp network instead of WhatsApp: a
// development setting. Setting Addr switches it on for the whole process.
type Simnet struct {
	Addr          string `yaml:"addr"`
	RootPublicKey string `yaml:"rootPublicKey"` // hex, as `wagate simnet` prints it
}

// Sessions is how the gateway treats sessions as a whole.
type Sessions struct {
	RestartAll  bool          `yaml:"restartAll"`
	WorkingWait time.Duration `yaml:"workingWait"`
	// Max is how many sessions this replica runs at most, when replicas share a
	// PostgreSQL; 0, no limit.
	Max int `yaml:"max"`
}

// Cluster is how this process works beside other replicas on one PostgreSQL.
type Cluster struct {
	// ReplicaID names this replica in session leases; empty, one generated at
	// first start and kept in the data dir.
	ReplicaID string `yaml:"replicaId"`
	// AdvertiseURL is where the other replicas reach this one's API, to proxy
	// requests for the sessions it runs; empty, http://<hostname>:<port>.
	AdvertiseURL string `yaml:"advertiseURL"`
	// LeaseTTL is how long a session's lease lasts unrenewed: a dead replica's
	// sessions are taken over this long after its last renewal, plus one round.
	LeaseTTL time.Duration `yaml:"leaseTTL"`
	// RenewEvery is how often leases are renewed and free ones handed out.
	RenewEvery time.Duration `yaml:"renewEvery"`
}

// Webhook is the global webhook every session's events also go to.
type Webhook struct {
	URL                 string   `yaml:"url"`
	Events              []string `yaml:"events"`
	HMACKey             string   `yaml:"hmacKey"`
	RetriesPolicy       string   `yaml:"retriesPolicy"`
	RetriesDelaySeconds int      `yaml:"retriesDelaySeconds"`
	RetriesAttempts     int      `yaml:"retriesAttempts"`
	// CustomHeaders are added to every request to this webhook, written
	// "Name:Value;Name2:Value2" (WHATSAPP_HOOK_CUSTOM_HEADERS). They may carry
	// credentials: never logged.
	CustomHeaders string `yaml:"customHeaders"`
	// AllowedHosts are the hosts webhooks (session and global) and fetched media
	// URLs may reach: empty for loopback, private and public addresses; or
	// "external", "private", "loopback", "*", CIDRs, IPs and host names (see
	// package netguard). Link-local addresses (cloud metadata) are refused unless
	// listed; the gateway's own API always is.
	AllowedHosts []string `yaml:"allowedHosts"`
}

// Headers parses CustomHeaders. Errors name the position of the bad pair, never
// its value.
func (w Webhook) Headers() ([]engines.WebhookHeader, error) {
	var out []engines.WebhookHeader
	for i, part := range strings.Split(w.CustomHeaders, ";") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		name, value, ok := strings.Cut(part, ":")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if !ok || !isToken(name) || strings.ContainsAny(value, "\r\n\x00") {
			return nil, fmt.Errorf("pair %d is not Name:Value", i+1)
		}
		out = append(out, engines.WebhookHeader{Name: name, Value: value})
	}
	return out, nil
}

// isToken reports whether s is a valid HTTP header name (RFC 9110 token).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// Media is the files of messages: those sessions receive and those clients send.
type Media struct {
	// Download: incoming media is downloaded before its event goes out, so the
	// payload carries media.url (WHATSAPP_DOWNLOAD_MEDIA).
	Download bool `yaml:"download"`
	// Mimetypes, when set, downloads only types starting with one of these
	// (WHATSAPP_FILES_MIMETYPES: "image,audio/ogg").
	Mimetypes []string `yaml:"mimetypes"`
	// LifetimeSeconds: downloaded files older than this are removed, and fetched
	// again when asked for; 0 keeps them (WHATSAPP_FILES_LIFETIME).
	LifetimeSeconds int `yaml:"lifetimeSeconds"`
	// Dir holds the files, one directory per session; empty: data.dir/media
	// (WHATSAPP_FILES_FOLDER).
	Dir string `yaml:"dir"`
	// MaxBytes bounds every file sent (data or url), converted or downloaded;
	// larger ones get 413 (sends) or media.error (downloads).
	MaxBytes int `yaml:"maxBytes"`
}

// MediaDir is where media files are kept.
func (c Config) MediaDir() string {
	if c.Media.Dir != "" {
		return c.Media.Dir
	}
	return filepath.Join(c.Data.Dir, "media")
}

// Log is logging.
type Log struct {
	Level  string `yaml:"level"`
	Format string `yaml:"format"`
}

// Capabilities is the capability matrix's outward side.
type Capabilities struct {
	FeatureRequestURL string `yaml:"featureRequestURL"`
}

// Dashboard is the web dashboard under /dashboard: its login, and how long a login
// lasts.
type Dashboard struct {
	Enabled  bool   `yaml:"enabled"`
	Username string `yaml:"username"`
	// Password is the login's; empty: one generated at first start, printed once
	// and kept in the data dir (as the API key is).
	Password string `yaml:"password"`
	// SessionTTL is how long a login's cookie is good for.
	SessionTTL time.Duration `yaml:"sessionTTL"`
}
