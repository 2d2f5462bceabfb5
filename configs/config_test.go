package configs

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/wagate/wagate/engines"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestExampleFileIsTheDefault(t *testing.T) {
	cfg, err := Load("wagate.yaml", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.Webhook.Events = []string{}
	want.Webhook.AllowedHosts = []string{}
	want.Engines.WEBJS.ChromiumFlags = ChromiumFlags{}
	want.Media.Mimetypes = []string{}
	if !reflect.DeepEqual(cfg, want) {
		t.Fatalf("example config differs from Default():\n got %+v\nwant %+v", cfg, want)
	}
	// The file documents every key.
	raw, err := os.ReadFile("wagate.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var tree map[string]any
	if err := yaml.Unmarshal(raw, &tree); err != nil {
		t.Fatal(err)
	}
	inFile := map[string]bool{}
	for _, k := range flatten(tree, "") {
		inFile[k] = true
	}
	for _, k := range keys {
		if !inFile[k.key] {
			t.Errorf("wagate.yaml does not document %s", k.key)
		}
	}
}

// TestEveryKeyHasItsRule: each field of Config has exactly one entry in keys, with
// a default of the field's type.
func TestEveryKeyHasItsRule(t *testing.T) {
	var c Config
	fields := map[string]reflect.Type{}
	for _, l := range leaves(reflect.ValueOf(&c).Elem(), "") {
		fields[l.key] = l.v.Type()
	}
	seen := map[string]bool{}
	for _, k := range keys {
		typ, ok := fields[k.key]
		switch {
		case !ok:
			t.Errorf("keys names %s, which Config does not have", k.key)
		case seen[k.key]:
			t.Errorf("keys has %s twice", k.key)
		case reflect.TypeOf(k.def) != typ:
			t.Errorf("default of %s is a %T, the field a %s", k.key, k.def, typ)
		case k.check == nil:
			t.Errorf("%s has no check", k.key)
		}
		seen[k.key] = true
	}
	for key := range fields {
		if !seen[key] {
			t.Errorf("%s has no entry in keys: give it a default and a check", key)
		}
	}
}

func TestEnvOverrides(t *testing.T) {
	cfg, err := Load("", env(map[string]string{
		"WHATSAPP_DEFAULT_ENGINE":             "noweb",
		"WAHA_API_KEY":                        "waha-key",
		"WAGATE_SERVER_API_KEY":               "our-key", // WAGATE_ wins over WAHA's name
		"WHATSAPP_API_PORT":                   "4000",
		"WHATSAPP_API_HOSTNAME":               "gw.example.com",
		"WHATSAPP_HOOK_URL":                   "https://hooks.example.com/in",
		"WHATSAPP_HOOK_EVENTS":                "message, session.status",
		"WHATSAPP_RESTART_ALL_SESSIONS":       "True",
		"WAHA_LOG_LEVEL":                      "DEBUG",
		"WAGATE_ENGINES_WEBJS_BROWSER_PATH":   "/opt/chrome",
		"WAGATE_SESSIONS_WORKING_WAIT":        "2s",
		"WAGATE_STORE_DSN":                    "postgres://u@db/wagate",
		"WAGATE_STORE_CONNECT_TIMEOUT":        "5s",
		"WAGATE_ENGINES_WEBJS_SANDBOX":        "false",
		"WAGATE_ENGINES_WEBJS_CHROMIUM_FLAGS": " --no-sandbox  --lang=de --disable-features=A,B ",
	}))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"engine", cfg.Engines.Default, engines.NOWEB},
		{"apiKey", cfg.Server.APIKey, "our-key"},
		{"port", cfg.Server.Port, 4000},
		{"hostname", cfg.Server.Hostname, "gw.example.com"},
		{"hook url", cfg.Webhook.URL, "https://hooks.example.com/in"},
		{"hook events", cfg.Webhook.Events, []string{"message", "session.status"}},
		{"restartAll", cfg.Sessions.RestartAll, true},
		{"log level", cfg.Log.Level, "debug"},
		{"browser", cfg.Engines.WEBJS.BrowserPath, "/opt/chrome"},
		{"working wait", cfg.Sessions.WorkingWait, 2 * time.Second},
		{"dsn", cfg.Store.DSN, "postgres://u@db/wagate"},
		{"connect timeout", cfg.Store.ConnectTimeout, 5 * time.Second},
		{"sandbox", cfg.Engines.WEBJS.Sandbox, false},
		{"chromium flags", cfg.Engines.WEBJS.ChromiumFlags.Map(), map[string]any{"no-sandbox": true, "lang": "de", "disable-features": "A,B"}},
		{"public url", cfg.PublicURL(), "http://gw.example.com:4000"},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestBadValuesNameTheKey(t *testing.T) {
	cases := []struct {
		env  map[string]string
		file string
		want string
	}{
		{env: map[string]string{"WHATSAPP_DEFAULT_ENGINE": "GOWS"}, want: "engines.default (from WHATSAPP_DEFAULT_ENGINE)"},
		{env: map[string]string{"WAGATE_SERVER_PORT": "http"}, want: "server.port (from WAGATE_SERVER_PORT)"},
		{env: map[string]string{"WHATSAPP_API_PORT": "70000"}, want: "server.port (from WHATSAPP_API_PORT)"},
		{env: map[string]string{"WAHA_LOG_LEVEL": "loud"}, want: "log.level (from WAHA_LOG_LEVEL)"},
		{env: map[string]string{"WHATSAPP_HOOK_EVENTS": "message,nope"}, want: `"nope"`},
		{env: map[string]string{"WHATSAPP_HOOK_URL": "ftp://x"}, want: "webhook.url"},
		{env: map[string]string{"WHATSAPP_RESTART_ALL_SESSIONS": "maybe"}, want: "true or false"},
		{env: map[string]string{"WHATSAPP_HOOK_CUSTOM_HEADERS": "X-Token secret-value"}, want: "webhook.customHeaders (from WHATSAPP_HOOK_CUSTOM_HEADERS)"},
		{env: map[string]string{"WAGATE_SESSIONS_WORKING_WAIT": "5"}, want: "a duration"},
		{env: map[string]string{"WAGATE_WEBHOOK_ALLOWED_HOSTS": "private,10.0.0.0/33"}, want: "webhook.allowedHosts (from WAGATE_WEBHOOK_ALLOWED_HOSTS)"},
		{file: "webhook:\n  allowedHosts: [\"bad host!\"]\n", want: "webhook.allowedHosts (from "},
		{env: map[string]string{"WHATSAPP_HOOK_URL": "http://169.254.169.254/latest/meta-data/"}, want: "webhook.url (from WHATSAPP_HOOK_URL)"},
		{env: map[string]string{"WHATSAPP_HOOK_URL": "http://localhost:3000/api/sendText"}, want: "own API"},
		{env: map[string]string{"WHATSAPP_HOOK_URL": "http://user:s3cret@hooks.example.com/"}, want: "credentials"},
		{env: map[string]string{"WHATSAPP_HOOK_URL": "http://127.0.0.1:8080/", "WAGATE_WEBHOOK_ALLOWED_HOSTS": "external"}, want: "webhook.allowedHosts (external)"},
		{env: map[string]string{"WAGATE_WEBHOOK_RETRIES_DELAY_SECONDS": "-1"}, want: `webhook.retriesDelaySeconds (from WAGATE_WEBHOOK_RETRIES_DELAY_SECONDS) is "-1": want a number of seconds`},
		{env: map[string]string{"WHATSAPP_HOOK_RETRIES_ATTEMPTS": "-2"}, want: `webhook.retriesAttempts (from WHATSAPP_HOOK_RETRIES_ATTEMPTS) is "-2"`},
		{env: map[string]string{"WHATSAPP_HOOK_RETRIES_POLICY": "fibonacci"}, want: "webhook.retriesPolicy (from WHATSAPP_HOOK_RETRIES_POLICY)"},
		{env: map[string]string{"WAGATE_STORE_CONNECT_TIMEOUT": "0s"}, want: "store.connectTimeout (from WAGATE_STORE_CONNECT_TIMEOUT)"},
		{env: map[string]string{"WAGATE_SESSIONS_WORKING_WAIT": "-1s"}, want: "sessions.workingWait"},
		{env: map[string]string{"WAGATE_SERVER_SHUTDOWN_TIMEOUT": "0s"}, want: "server.shutdownTimeout"},
		{env: map[string]string{"WAGATE_SERVER_BODY_LIMIT_MB": "0"}, want: "server.bodyLimitMB"},
		{env: map[string]string{"WAGATE_ENGINES_WEBJS_URL": "web.whatsapp.com"}, want: "engines.webjs.url"},
		{env: map[string]string{"WAGATE_ENGINES_WEBJS_CHROMIUM_FLAGS": "--lang=de no-sandbox"}, want: `engines.webjs.chromiumFlags (from WAGATE_ENGINES_WEBJS_CHROMIUM_FLAGS) is "--lang=de no-sandbox": want Chromium switches`},
		{env: map[string]string{"WAGATE_ENGINES_WEBJS_SANDBOX": "sometimes"}, want: "engines.webjs.sandbox"},
		{env: map[string]string{"WAGATE_ENGINES_NOWEB_SIMNET_ADDR": "nowhere"}, want: "engines.noweb.simnet.addr"},
		{env: map[string]string{"WAGATE_ENGINES_NOWEB_SIMNET_ADDR": "127.0.0.1:4040", "WAGATE_ENGINES_NOWEB_SIMNET_ROOT_PUBLIC_KEY": "abc"}, want: "engines.noweb.simnet.rootPublicKey"},
		{env: map[string]string{"WAHA_LOG_FORMAT": "xml"}, want: "log.format (from WAHA_LOG_FORMAT)"},
		{env: map[string]string{"WAGATE_DATA_DIR": ""}, want: "data.dir (from WAGATE_DATA_DIR)"},
		{env: map[string]string{"WAGATE_CAPABILITIES_FEATURE_REQUEST_URL": "nope"}, want: "capabilities.featureRequestURL"},
		{env: map[string]string{"WAGATE_SERVER_BASE_URL": "wa.example.com"}, want: "server.baseURL"},
		{env: map[string]string{"WHATSAPP_DOWNLOAD_MEDIA": "sometimes"}, want: "media.download (from WHATSAPP_DOWNLOAD_MEDIA)"},
		{env: map[string]string{"WHATSAPP_FILES_MIMETYPES": "image,<script>"}, want: "media.mimetypes (from WHATSAPP_FILES_MIMETYPES)"},
		{env: map[string]string{"WHATSAPP_FILES_LIFETIME": "-1"}, want: "media.lifetimeSeconds (from WHATSAPP_FILES_LIFETIME)"},
		{env: map[string]string{"WHATSAPP_FILES_LIFETIME": "3m"}, want: "media.lifetimeSeconds (from WHATSAPP_FILES_LIFETIME)"},
		{env: map[string]string{"WAGATE_MEDIA_MAX_BYTES": "10"}, want: "media.maxBytes (from WAGATE_MEDIA_MAX_BYTES)"},
		{file: "server:\n  port: 0\n", want: "server.port (from "},
		{file: "server:\n  prot: 1\n", want: "field prot not found"},
	}
	for _, c := range cases {
		path := ""
		if c.file != "" {
			path = filepath.Join(t.TempDir(), "c.yaml")
			os.WriteFile(path, []byte(c.file), 0o600)
		}
		_, err := Load(path, env(c.env))
		if err == nil {
			t.Errorf("%v %q: no error", c.env, c.file)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, c.want) || strings.Contains(msg, "\n") {
			t.Errorf("%v %q: error %q, want one line containing %q", c.env, c.file, msg, c.want)
		}
		var ce *Error
		if c.file == "" && !errors.As(err, &ce) {
			t.Errorf("%v: error is %T, want *Error", c.env, err)
		}
	}
}

func TestMediaKeys(t *testing.T) {
	cfg, err := Load("", env(map[string]string{
		"WHATSAPP_DOWNLOAD_MEDIA":  "false",
		"WHATSAPP_FILES_MIMETYPES": "image, audio/ogg",
		"WHATSAPP_FILES_LIFETIME":  "0",
		"WHATSAPP_FILES_FOLDER":    "/srv/files",
		"WAGATE_MEDIA_MAX_BYTES":   "1048576",
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := Media{Download: false, Mimetypes: []string{"image", "audio/ogg"}, LifetimeSeconds: 0, Dir: "/srv/files", MaxBytes: 1 << 20}
	if !reflect.DeepEqual(cfg.Media, want) || cfg.MediaDir() != "/srv/files" {
		t.Fatalf("media %+v, dir %s", cfg.Media, cfg.MediaDir())
	}
	def := Default()
	if !def.Media.Download || def.Media.LifetimeSeconds != 180 || def.Media.MaxBytes != 64<<20 || def.MediaDir() != filepath.Join("data", "media") {
		t.Fatalf("defaults %+v, dir %s", def.Media, def.MediaDir())
	}
}

func TestEnvName(t *testing.T) {
	for key, want := range map[string]string{
		"server.baseURL":                 "WAGATE_SERVER_BASE_URL",
		"server.bodyLimitMB":             "WAGATE_SERVER_BODY_LIMIT_MB",
		"engines.webjs.browserPath":      "WAGATE_ENGINES_WEBJS_BROWSER_PATH",
		"engines.noweb.printQR":          "WAGATE_ENGINES_NOWEB_PRINT_QR",
		"webhook.hmacKey":                "WAGATE_WEBHOOK_HMAC_KEY",
		"capabilities.featureRequestURL": "WAGATE_CAPABILITIES_FEATURE_REQUEST_URL",
	} {
		if got := EnvName(key); got != want {
			t.Errorf("EnvName(%s) = %s, want %s", key, got, want)
		}
	}
}

func TestWebhookCustomHeaders(t *testing.T) {
	cfg, err := Load("", env(map[string]string{"WHATSAPP_HOOK_CUSTOM_HEADERS": "X-Token: s3cret;X-Tenant:acme;"}))
	if err != nil {
		t.Fatal(err)
	}
	got, err := cfg.Webhook.Headers()
	want := []engines.WebhookHeader{{Name: "X-Token", Value: "s3cret"}, {Name: "X-Tenant", Value: "acme"}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("headers %v, %v; want %v", got, err, want)
	}
	// A bad value stops start-up with one line that names the key and never shows
	// the value, which may be a credential.
	for _, bad := range []string{"X-Token s3cret", "X Token:s3cret", ":s3cret", "X-Token:s3cret\nX-Evil:1"} {
		_, err := Load("", env(map[string]string{"WHATSAPP_HOOK_CUSTOM_HEADERS": bad}))
		if err == nil {
			t.Errorf("%q: no error", bad)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "webhook.customHeaders") || strings.Contains(msg, "s3cret") || strings.Contains(msg, "\n") {
			t.Errorf("%q: error %q, want one line naming webhook.customHeaders without the value", bad, msg)
		}
	}
}

func TestChromiumFlagsFromFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(path, []byte("engines:\n  webjs:\n    chromiumFlags: [--lang=de, \"--proxy-server=http://proxy:3128\", --no-sandbox]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"lang": "de", "proxy-server": "http://proxy:3128", "no-sandbox": true}
	if got := cfg.Engines.WEBJS.ChromiumFlags.Map(); !reflect.DeepEqual(got, want) {
		t.Fatalf("flags %v, want %v", got, want)
	}
}

func TestWebhookAllowedHosts(t *testing.T) {
	cfg, err := Load("", env(map[string]string{"WAGATE_WEBHOOK_ALLOWED_HOSTS": "private, hooks.example.com", "WHATSAPP_HOOK_URL": "http://10.1.2.3:5678/webhook"}))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"private", "hooks.example.com"}; !reflect.DeepEqual(cfg.Webhook.AllowedHosts, want) {
		t.Fatalf("allowedHosts = %q, want %q", cfg.Webhook.AllowedHosts, want)
	}
	g, err := cfg.Guard()
	if err != nil {
		t.Fatal(err)
	}
	if g.Policy().String() != "private,hooks.example.com" {
		t.Fatalf("policy %s", g.Policy())
	}
	// A credential in the URL is refused without being shown.
	_, err = Load("", env(map[string]string{"WHATSAPP_HOOK_URL": "http://user:s3cret@hooks.example.com/"}))
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("got %v, want a refusal that does not show the password", err)
	}
}

func TestDashboardKeys(t *testing.T) {
	def := Default()
	if !def.Dashboard.Enabled || def.Dashboard.Username != "admin" || def.Dashboard.Password != "" || def.Dashboard.SessionTTL != 12*time.Hour {
		t.Fatalf("defaults %+v", def.Dashboard)
	}
	cfg, err := Load("", env(map[string]string{
		"WAHA_DASHBOARD_ENABLED": "false", "WAHA_DASHBOARD_USERNAME": "ops", "WAHA_DASHBOARD_PASSWORD": "pw",
		"WAGATE_DASHBOARD_SESSION_TTL": "30m",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if want := (Dashboard{Enabled: false, Username: "ops", Password: "pw", SessionTTL: 30 * time.Minute}); cfg.Dashboard != want {
		t.Fatalf("dashboard %+v, want %+v", cfg.Dashboard, want)
	}
	// An empty user name stops start-up, naming the key.
	if _, err := Load("", env(map[string]string{"WAGATE_DASHBOARD_USERNAME": ""})); err == nil || !strings.Contains(err.Error(), "dashboard.username") {
		t.Fatalf("empty username: %v", err)
	}
}
