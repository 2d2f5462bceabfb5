package configs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"slices"
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
	{"WHATSAPP_DOWNLOAD_MEDIA", "media.download"},
	{"WHATSAPP_FILES_MIMETYPES", "media.mimetypes"},
	{"WHATSAPP_FILES_LIFETIME", "media.lifetimeSeconds"},
	{"WHATSAPP_FILES_FOLDER", "media.dir"},
	{"WAHA_DASHBOARD_ENABLED", "dashboard.enabled"},
	{"WAHA_DASHBOARD_USERNAME", "dashboard.username"},
	{"WAHA_DASHBOARD_PASSWORD", "dashboard.password"},
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
			var te *yaml.TypeError
			if errors.As(err, &te) {
				if kerr := fileTypeError(raw, path, te); kerr != nil {
					return cfg, kerr
				}
			}
			return cfg, fmt.Errorf("config: %s: %s", path, strings.ReplaceAll(err.Error(), "\n", "; "))
		}
		var tree map[string]any
		if err := yaml.Unmarshal(raw, &tree); err == nil {
			for _, key := range flatten(tree, "") {
				sources[key] = path
			}
		}
	}
	leafByKey := leafMap(&cfg)
	for _, a := range wahaAliases {
		if v, ok := getenv(a.env); ok {
			if err := set(leafByKey[a.key], v, a.env); err != nil {
				return cfg, err
			}
			sources[a.key] = a.env
		}
	}
	for _, l := range leaves(reflect.ValueOf(&cfg).Elem(), "") {
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
	case ChromiumFlags:
		l.v.Set(reflect.ValueOf(ChromiumFlags(strings.Fields(s))))
	case string:
		l.v.SetString(raw)
	default:
		return fmt.Errorf("config: %s has an unsupported type %s", l.key, l.v.Type())
	}
	return nil
}

// yamlTypeError is how yaml.v3 words a value of the wrong type.
var yamlTypeError = regexp.MustCompile(`^line ([0-9]+): cannot unmarshal `)

// fileTypeError names the key of the first value of the wrong type in a YAML file
// (yaml.v3 names only its line), with what the key wants: the error the same
// value gets from the environment, where it parses the same way. Nil when the
// line is not a key's.
func fileTypeError(raw []byte, path string, te *yaml.TypeError) error {
	if len(te.Errors) == 0 {
		return nil
	}
	m := yamlTypeError.FindStringSubmatch(te.Errors[0])
	if m == nil {
		return nil
	}
	line, _ := strconv.Atoi(m[1])
	var doc yaml.Node
	if yaml.Unmarshal(raw, &doc) != nil {
		return nil
	}
	key, value := keyAtLine(&doc, "", line)
	var c Config
	leaves := leafMap(&c)
	l, ok := leaves[key]
	for !ok && strings.Contains(key, ".") {
		// A mapping where a value belongs: its first key is on the line.
		key, value = key[:strings.LastIndex(key, ".")], ""
		l, ok = leaves[key]
	}
	if !ok {
		return nil
	}
	src := fmt.Sprintf("%s line %d", path, line)
	secret := slices.ContainsFunc(keys, func(k keySpec) bool { return k.key == key && k.secret })
	shown := value
	if secret {
		shown = "(not shown)"
	}
	if err := set(l, value, src); err != nil {
		var ce *Error
		if errors.As(err, &ce) {
			ce.Value = shown
		}
		return err
	}
	// It would parse from the environment, but YAML typed it: a quoted number.
	want := "a " + l.v.Type().String()
	switch l.v.Kind() {
	case reflect.Int:
		want = "a whole number, not quoted"
	case reflect.Bool:
		want = "true or false, not quoted"
	case reflect.Slice:
		want = "a list"
	}
	return &Error{Key: key, Source: src, Value: shown, Want: want}
}

// keyAtLine finds the key whose scalar value (or list item) is on line, and that
// value as written.
func keyAtLine(n *yaml.Node, prefix string, line int) (key, value string) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if k, v := keyAtLine(c, prefix, line); k != "" {
				return k, v
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			path := k.Value
			if prefix != "" {
				path = prefix + "." + k.Value
			}
			switch v.Kind {
			case yaml.ScalarNode, yaml.AliasNode:
				if v.Line == line {
					return path, v.Value
				}
			case yaml.MappingNode:
				if pk, pv := keyAtLine(v, path, line); pk != "" {
					return pk, pv
				}
			case yaml.SequenceNode:
				for _, item := range v.Content {
					if item.Line == line {
						return path, item.Value
					}
				}
			}
		}
	}
	return "", ""
}
