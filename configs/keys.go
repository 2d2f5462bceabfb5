package configs

import (
	"context"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/netguard"
)

// keySpec is one key of Config: its default and what it accepts, side by side, so
// a key cannot be checked by another key's rule or reported under another's name.
type keySpec struct {
	key string
	def any // of the field's type
	// check returns "" when the value is acceptable, else what is wanted. It may
	// normalize the value in place (log.level to lower case).
	check  func(v reflect.Value, c *Config) string
	secret bool // the value is never shown in an error
}

// keys is every key of Config. Default is built from it and validate walks it in
// this order; a test fails when a field of Config has no entry.
var keys = []keySpec{
	{key: "server.host", def: "0.0.0.0", check: anything},
	{key: "server.port", def: 3000, check: intIn(1, 65535, "a port number from 1 to 65535")},
	{key: "server.hostname", def: "localhost", check: anything},
	{key: "server.baseURL", def: "", check: httpURL(true)},
	{key: "server.apiKey", def: "", check: anything, secret: true},
	{key: "server.bodyLimitMB", def: 50, check: intIn(1, 1024, "a size in MB from 1 to 1024")},
	{key: "server.connsPerClient", def: 256, check: intIn(1, 1_000_000, "a number of connections from 1 to 1000000")},
	{key: "server.shutdownTimeout", def: 15 * time.Second, check: positive},

	{key: "data.dir", def: "./data", check: rule(func(s *string, _ *Config) string {
		return when(*s == "", "a directory")
	})},

	{key: "store.dsn", def: "", check: anything, secret: true},
	{key: "store.connectTimeout", def: 60 * time.Second, check: positive},

	{key: "engines.default", def: engines.WEBJS, check: rule(func(n *engines.Name, _ *Config) string {
		_, err := engines.ParseName(string(*n))
		return when(err != nil, "WEBJS or NOWEB")
	})},
	{key: "engines.webjs.browserPath", def: "/usr/bin/chromium", check: anything},
	{key: "engines.webjs.url", def: "https://web.whatsapp.com/", check: httpURL(false)},
	{key: "engines.webjs.sandbox", def: true, check: anything},
	{key: "engines.webjs.chromiumFlags", def: ChromiumFlags(nil), check: rule(func(f *ChromiumFlags, _ *Config) string {
		if err := f.Valid(); err != nil {
			return "Chromium switches such as --lang=de, separated by spaces (" + err.Error() + ")"
		}
		return ""
	})},
	{key: "engines.noweb.storeEnabled", def: true, check: anything},
	{key: "engines.noweb.fullSync", def: false, check: anything},
	{key: "engines.noweb.printQR", def: true, check: anything},
	{key: "engines.noweb.printQRSessions", def: 3, check: intIn(0, 1_000_000, "a number of sessions, 0 for every one")},
	{key: "engines.noweb.simnet.addr", def: "", check: rule(func(s *string, _ *Config) string {
		if *s == "" {
			return ""
		}
		_, _, err := net.SplitHostPort(*s)
		return when(err != nil, "host:port of a simnet")
	})},
	{key: "engines.noweb.simnet.rootPublicKey", def: "", check: rule(func(s *string, c *Config) string {
		if c.Engines.NOWEB.Simnet.Addr == "" {
			return ""
		}
		k, err := hex.DecodeString(*s)
		return when(err != nil || len(k) != 32, "the 64 hex digits `wagate simnet` prints")
	})},

	{key: "sessions.restartAll", def: false, check: anything},
	{key: "sessions.workingWait", def: 5 * time.Second, check: rule(func(d *time.Duration, _ *Config) string {
		return when(*d < 0, "a duration such as 5s, or 0 not to wait")
	})},
	{key: "sessions.max", def: 0, check: intIn(0, 1<<31-1, "a number of sessions, or 0 for no limit")},

	{key: "cluster.replicaId", def: "", check: rule(func(s *string, _ *Config) string {
		return when(len(*s) > 64 || strings.ContainsAny(*s, " \t\n/"), "an id of at most 64 characters, without spaces or slashes")
	})},
	{key: "cluster.advertiseURL", def: "", check: httpURL(true)},
	{key: "cluster.leaseTTL", def: 15 * time.Second, check: rule(func(d *time.Duration, _ *Config) string {
		return when(*d < 3*time.Second || *d > 10*time.Minute, "a duration from 3s to 10m")
	})},
	{key: "cluster.renewEvery", def: 3 * time.Second, check: rule(func(d *time.Duration, c *Config) string {
		return when(*d <= 0 || *d*3 > c.Cluster.LeaseTTL, "a duration of at most a third of cluster.leaseTTL")
	})},

	// Before webhook.url, whose check applies it.
	{key: "webhook.allowedHosts", def: []string(nil), check: rule(func(l *[]string, _ *Config) string {
		if _, err := netguard.ParsePolicy(*l); err != nil {
			return "external, private, loopback, *, CIDRs, IPs or host names (" + err.Error() + ")"
		}
		return ""
	})},
	// Not shown in errors: a webhook URL may carry a token or credentials.
	{key: "webhook.url", def: "", secret: true, check: rule(func(s *string, c *Config) string {
		if *s == "" {
			return ""
		}
		if !isHTTPURL(*s) {
			return "an http(s) URL"
		}
		g, err := c.Guard()
		if err != nil {
			return "a valid webhook.allowedHosts first (" + err.Error() + ")"
		}
		if err := g.CheckURL(context.Background(), *s); err != nil {
			return "a webhook receiver the gateway may reach (" + err.Error() + ")"
		}
		return ""
	})},
	{key: "webhook.events", def: []string(nil), check: rule(func(evs *[]string, _ *Config) string {
		if err := engines.ValidateEvents(*evs); err != nil {
			return `"*" or event names such as message,session.status (` + err.Error() + ")"
		}
		return ""
	})},
	{key: "webhook.hmacKey", def: "", check: anything, secret: true},
	{key: "webhook.retriesPolicy", def: "exponential", check: oneOf("constant", "linear", "exponential")},
	{key: "webhook.retriesDelaySeconds", def: 2, check: intIn(0, 1<<31-1, "a number of seconds, 0 or more")},
	{key: "webhook.retriesAttempts", def: 15, check: intIn(0, 1<<31-1, "a number of attempts, 0 or more")},
	{key: "webhook.customHeaders", def: "", secret: true, check: rule(func(_ *string, c *Config) string {
		if _, err := c.Webhook.Headers(); err != nil {
			return `headers written "Name:Value;Name2:Value2" (` + err.Error() + ")"
		}
		return ""
	})},

	{key: "media.download", def: true, check: anything},
	{key: "media.mimetypes", def: []string(nil), check: rule(func(mts *[]string, _ *Config) string {
		for _, mt := range *mts {
			if !mimetypePrefix.MatchString(strings.ToLower(mt)) {
				return "mimetypes or their first part, separated by commas (image,audio/ogg,application/pdf)"
			}
		}
		return ""
	})},
	{key: "media.lifetimeSeconds", def: 180, check: intIn(0, 1<<31-1, "a number of seconds, or 0 to keep files")},
	{key: "media.dir", def: "", check: anything},
	{key: "media.maxBytes", def: 64 << 20, check: intIn(1<<10, 2<<30, "a size in bytes from 1024 (1 KiB) to 2147483648 (2 GiB)")},

	{key: "log.level", def: "info", check: rule(func(s *string, _ *Config) string {
		*s = strings.ToLower(*s)
		return oneOfString(*s, "error, warn, info, debug or trace", "error", "warn", "info", "debug", "trace")
	})},
	{key: "log.format", def: "text", check: rule(func(s *string, _ *Config) string {
		switch strings.ToLower(*s) {
		case "text", "pretty":
			*s = "text"
		case "json":
			*s = "json"
		default:
			return "text or json"
		}
		return ""
	})},

	{key: "capabilities.featureRequestURL", def: "https://github.com/wagate/wagate/issues/new?labels=feature-request", check: httpURL(false)},

	{key: "dashboard.enabled", def: true, check: anything},
	{key: "dashboard.username", def: "admin", check: rule(func(s *string, _ *Config) string {
		return when(*s == "" || strings.ContainsAny(*s, "\r\n"), "a user name of one line")
	})},
	{key: "dashboard.password", def: "", check: anything, secret: true},
	{key: "dashboard.sessionTTL", def: 12 * time.Hour, check: positive},
}

// mimetypePrefix is what media.mimetypes lists: "image", "image/jpeg", "audio/ogg".
var mimetypePrefix = regexp.MustCompile(`^[a-z0-9][a-z0-9.+-]*(/[a-z0-9.+*-]*)?$`)

// Default is the configuration with nothing set.
func Default() Config {
	var c Config
	byKey := leafMap(&c)
	for _, k := range keys {
		byKey[k.key].v.Set(reflect.ValueOf(k.def))
	}
	return c
}

// validate checks every key by its own rule; the first bad one is the error.
func (c *Config) validate(sources map[string]string) error {
	byKey := leafMap(c)
	for _, k := range keys {
		v := byKey[k.key].v
		want := k.check(v, c)
		if want == "" {
			continue
		}
		src := sources[k.key]
		if src == "" {
			src = "default"
		}
		shown := "(not shown)"
		if !k.secret {
			shown = formatValue(v)
		}
		return &Error{Key: k.key, Source: src, Value: shown, Want: want}
	}
	return nil
}

func leafMap(c *Config) map[string]leaf {
	m := map[string]leaf{}
	for _, l := range leaves(reflect.ValueOf(c).Elem(), "") {
		m[l.key] = l
	}
	return m
}

func formatValue(v reflect.Value) string {
	switch x := v.Interface().(type) {
	case time.Duration:
		return x.String()
	case []string:
		return strings.Join(x, ",")
	case ChromiumFlags:
		return strings.Join(x, " ")
	default:
		return fmt.Sprint(x)
	}
}

// rule adapts a check of a typed value.
func rule[T any](f func(v *T, c *Config) string) func(reflect.Value, *Config) string {
	return func(v reflect.Value, c *Config) string { return f(v.Addr().Interface().(*T), c) }
}

func when(bad bool, want string) string {
	if bad {
		return want
	}
	return ""
}

func anything(reflect.Value, *Config) string { return "" }

func intIn(lo, hi int, want string) func(reflect.Value, *Config) string {
	return rule(func(n *int, _ *Config) string { return when(*n < lo || *n > hi, want) })
}

var positive = rule(func(d *time.Duration, _ *Config) string { return when(*d <= 0, "a positive duration such as 30s") })

func httpURL(optional bool) func(reflect.Value, *Config) string {
	return rule(func(s *string, _ *Config) string {
		if optional && *s == "" {
			return ""
		}
		return when(!isHTTPURL(*s), "an http(s) URL")
	})
}

func oneOf(allowed ...string) func(reflect.Value, *Config) string {
	want := strings.Join(allowed[:len(allowed)-1], ", ") + " or " + allowed[len(allowed)-1]
	return rule(func(s *string, _ *Config) string { return oneOfString(*s, want, allowed...) })
}

func oneOfString(s, want string, allowed ...string) string {
	for _, a := range allowed {
		if s == a {
			return ""
		}
	}
	return want
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// Guard is the check on the hosts webhooks and fetched media URLs may reach:
// webhook.allowedHosts, and never the gateway's own API (its listen address and
// public URL).
func (c Config) Guard() (*netguard.Guard, error) {
	p, err := netguard.ParsePolicy(c.Webhook.AllowedHosts)
	if err != nil {
		return nil, err
	}
	self := []string{net.JoinHostPort(c.Server.Host, strconv.Itoa(c.Server.Port)), c.PublicURL()}
	return netguard.New(netguard.Options{Policy: p, Self: self})
}

// PublicURL is the base URL clients reach the gateway at.
func (c Config) PublicURL() string {
	if c.Server.BaseURL != "" {
		return strings.TrimSuffix(c.Server.BaseURL, "/")
	}
	return fmt.Sprintf("http://%s:%s", c.Server.Hostname, strconv.Itoa(c.Server.Port))
}
