package configs

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/wagate/wagate/engines"
)

// wahaAliases maps WAHA's environment variables to our keys.
var wahaAliases = []struct{ env, key string }{
	{"WHATSAPP_DEFAULT_ENGINE", "engines.default"},
	{"WHATSAPP_API_KEY", "server.apiKey"},
	{"WAHA_API_KEY", "server.apiKey"},
	{"WHATSAPP_API_PORT", "server.port"},
	{"WHATSAPP_API_HOSTNAME", "server.hostname"},
	{"WAHA_BASE_URL", "server.baseURL"},
	{"WHATSAPP_HOOK_URL", "webhook.url"},
	{"WHATSAPP_HOOK_EVENTS", "webhook.events"},
	{"WHATSAPP_HOOK_HMAC_KEY", "webhook.hmacKey"},
	{"WHATSAPP_HOOK_RETRIES_POLICY", "webhook.retriesPolicy"},
	{"WHATSAPP_HOOK_RETRIES_DELAY_SECONDS", "webhook.retriesDelaySeconds"},
	{"WHATSAPP_HOOK_RETRIES_ATTEMPTS", "webhook.retriesAttempts"},
	{"WHATSAPP_HOOK_CUSTOM_HEADERS", "webhook.customHeaders"},
	{"WHATSAPP_RESTART_ALL_SESSIONS", "sessions.restartAll"},
	{"WAHA_LOG_LEVEL", "log.level"},
	{"WAHA_LOG_FORMAT", "log.format"},
	{"WAHA_PRINT_QR", "engines.noweb.printQR"},
}

// Error is a configuration value that stops start-up; it prints as one line.
type Error struct {
	Key, Source, Value, Want string
}

func (e *Error) Error() string {
	return fmt.Sprintf("config: %s (from %s) is %q: want %s", e.Key, e.Source, e.Value, e.Want)
}

// Load reads the YAML file at path (none if path is empty) and then the environment.
func Load(path string, getenv func(string) (string, bool)) (Config, error) {
	cfg := Default()
	sources := map[string]string{}
	if path != "" {
		raw, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("config: read %s: %w", path, err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		dec.KnownFields(true)
		if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
			return cfg, fmt.Errorf("config: %s: %s", path, strings.ReplaceAll(err.Error(), "\n", "; "))
		}
		var tree map[string]any
		if err := yaml.Unmarshal(raw, &tree); err == nil {
			for _, key := range flatten(tree, "") {
				sources[key] = path
			}
		}
	}
	leafByKey := map[string]leaf{}
	for _, l := range leaves(reflect.ValueOf(&cfg).Elem(), "") {
		leafByKey[l.key] = l
	}
	for _, a := range wahaAliases {
		if v, ok := getenv(a.env); ok {
			if err := set(leafByKey[a.key], v, a.env); err != nil {
				return cfg, err
			}
			sources[a.key] = a.env
		}
	}
	for _, l := range leafByKey {
		if v, ok := getenv(l.env); ok {
			if err := set(l, v, l.env); err != nil {
				return cfg, err
			}
			sources[l.key] = l.env
		}
	}
	if err := cfg.validate(sources); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// flatten lists the dotted keys a YAML document sets.
func flatten(m map[string]any, prefix string) []string {
	var out []string
	for k, v := range m {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		if sub, ok := v.(map[string]any); ok {
			out = append(out, flatten(sub, key)...)
			continue
		}
		out = append(out, key)
	}
	return out
}

// leaf is one settable key of Config.
type leaf struct {
	key, env string
	v        reflect.Value
}

func leaves(v reflect.Value, prefix string) []leaf {
	var out []leaf
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name := f.Tag.Get("yaml")
		key := name
		if prefix != "" {
			key = prefix + "." + name
		}
		if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeFor[time.Duration]() {
			out = append(out, leaves(v.Field(i), key)...)
			continue
		}
		out = append(out, leaf{key: key, env: EnvName(key), v: v.Field(i)})
	}
	return out
}

// EnvName is the WAGATE_ variable of a key: "server.baseURL" is WAGATE_SERVER_BASE_URL.
func EnvName(key string) string {
	var b strings.Builder
	b.WriteString("WAGATE_")
	for _, part := range strings.Split(key, ".") {
		if b.Len() > len("WAGATE_") {
			b.WriteByte('_')
		}
		rs := []rune(part)
		for i, r := range rs {
			// A capital starts a word unless it continues an acronym (URL, MB, QR).
			if i > 0 && unicode.IsUpper(r) && (unicode.IsLower(rs[i-1]) || (i+1 < len(rs) && unicode.IsLower(rs[i+1]))) {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToUpper(r))
		}
	}
	return b.String()
}

func set(l leaf, raw, source string) error {
	bad := func(want string) error { return &Error{Key: l.key, Source: source, Value: raw, Want: want} }
	s := strings.TrimSpace(raw)
	switch l.v.Interface().(type) {
	case time.Duration:
		d, err := time.ParseDuration(s)
		if err != nil {
			return bad("a duration such as 5s or 1m")
		}
		l.v.Set(reflect.ValueOf(d))
	case []string:
		var list []string
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				list = append(list, p)
			}
		}
		l.v.Set(reflect.ValueOf(list))
	case bool:
		switch strings.ToLower(s) {
		case "true", "1", "yes", "on":
			l.v.SetBool(true)
		case "false", "0", "no", "off", "":
			l.v.SetBool(false)
		default:
			return bad("true or false")
		}
	case int:
		n, err := strconv.Atoi(s)
		if err != nil {
			return bad("a whole number")
		}
		l.v.SetInt(int64(n))
	case engines.Name:
		n, err := engines.ParseName(s)
		if err != nil {
			return bad("WEBJS or NOWEB")
		}
		l.v.Set(reflect.ValueOf(n))
	case string:
		l.v.SetString(raw)
	default:
		return fmt.Errorf("config: %s has an unsupported type %s", l.key, l.v.Type())
	}
	return nil
}

func (c *Config) validate(sources map[string]string) error {
	bad := func(key, value, want string) error {
		src := sources[key]
		if src == "" {
			src = "default"
		}
		return &Error{Key: key, Source: src, Value: value, Want: want}
	}
	if c.Server.Port < 1 || c.Server.Port > 65535 {
		return bad("server.port", strconv.Itoa(c.Server.Port), "a port number from 1 to 65535")
	}
	if c.Server.BodyLimitMB < 1 || c.Server.BodyLimitMB > 1024 {
		return bad("server.bodyLimitMB", strconv.Itoa(c.Server.BodyLimitMB), "a size in MB from 1 to 1024")
	}
	if c.Server.BaseURL != "" && !isHTTPURL(c.Server.BaseURL) {
		return bad("server.baseURL", c.Server.BaseURL, "an http(s) URL")
	}
	if c.Server.ShutdownTimeout <= 0 {
		return bad("server.shutdownTimeout", c.Server.ShutdownTimeout.String(), "a positive duration")
	}
	if _, err := engines.ParseName(string(c.Engines.Default)); err != nil {
		return bad("engines.default", string(c.Engines.Default), "WEBJS or NOWEB")
	}
	if !isHTTPURL(c.Engines.WEBJS.URL) {
		return bad("engines.webjs.url", c.Engines.WEBJS.URL, "an http(s) URL")
	}
	if c.Data.Dir == "" {
		return bad("data.dir", "", "a directory")
	}
	if c.Webhook.URL != "" && !isHTTPURL(c.Webhook.URL) {
		return bad("webhook.url", c.Webhook.URL, "an http(s) URL")
	}
	if err := engines.ValidateEvents(c.Webhook.Events); err != nil {
		return bad("webhook.events", strings.Join(c.Webhook.Events, ","), `"*" or event names such as message,session.status (`+err.Error()+")")
	}
	switch c.Webhook.RetriesPolicy {
	case "constant", "linear", "exponential":
	default:
		return bad("webhook.retriesPolicy", c.Webhook.RetriesPolicy, "constant, linear or exponential")
	}
	if c.Webhook.RetriesAttempts < 0 || c.Webhook.RetriesDelaySeconds < 0 {
		return bad("webhook.retriesAttempts", strconv.Itoa(c.Webhook.RetriesAttempts), "a number of attempts, 0 or more")
	}
	if _, err := c.Webhook.Headers(); err != nil {
		// The value may carry credentials: the error does not show it.
		return bad("webhook.customHeaders", "(not shown)", `headers written "Name:Value;Name2:Value2" (`+err.Error()+")")
	}
	switch strings.ToLower(c.Log.Level) {
	case "error", "warn", "info", "debug", "trace":
		c.Log.Level = strings.ToLower(c.Log.Level)
	default:
		return bad("log.level", c.Log.Level, "error, warn, info, debug or trace")
	}
	switch strings.ToLower(c.Log.Format) {
	case "text", "pretty":
		c.Log.Format = "text"
	case "json":
		c.Log.Format = "json"
	default:
		return bad("log.format", c.Log.Format, "text or json")
	}
	if sn := c.Engines.NOWEB.Simnet; sn.Addr != "" {
		if _, _, err := net.SplitHostPort(sn.Addr); err != nil {
			return bad("engines.noweb.simnet.addr", sn.Addr, "host:port of a simnet")
		}
		if k, err := hex.DecodeString(sn.RootPublicKey); err != nil || len(k) != 32 {
			return bad("engines.noweb.simnet.rootPublicKey", sn.RootPublicKey, "the 64 hex digits `wagate simnet` prints")
		}
	}
	if !isHTTPURL(c.Capabilities.FeatureRequestURL) {
		return bad("capabilities.featureRequestURL", c.Capabilities.FeatureRequestURL, "an http(s) URL")
	}
	return nil
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// PublicURL is the base URL clients reach the gateway at.
func (c Config) PublicURL() string {
	if c.Server.BaseURL != "" {
		return strings.TrimSuffix(c.Server.BaseURL, "/")
	}
	return fmt.Sprintf("http://%s:%d", c.Server.Hostname, c.Server.Port)
}
