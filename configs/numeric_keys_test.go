package configs

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// outOfRange is a value each numeric key refuses though it parses: every numeric
// key must have one here (the test fails for a key missing), so a new key is
// checked by its own rule from the start.
var outOfRange = map[string]string{
	"server.port":                   "70000",
	"server.bodyLimitMB":            "0",
	"server.connsPerClient":         "0",
	"server.shutdownTimeout":        "0s",
	"store.connectTimeout":          "-1s",
	"sessions.workingWait":          "-1s",
	"webhook.retriesDelaySeconds":   "-1",
	"webhook.retriesAttempts":       "-1",
	"media.lifetimeSeconds":         "-1",
	"media.maxBytes":                "1023",
	"engines.noweb.printQRSessions": "-1",
	"dashboard.sessionTTL":          "0s",
	"sessions.max":                  "-1",
	"cluster.leaseTTL":              "1s",
	"cluster.renewEvery":            "0s",
}

// TestNumericKeysNameThemselves: for every int and duration key, a value out of
// its range and a value that is no number each fail naming that key, the variable
// it came from and the value, from the environment and from the file, whatever
// the keys beside it in the list.
func TestNumericKeysNameThemselves(t *testing.T) {
	var c Config
	numeric := map[string]reflect.Type{}
	for _, l := range leaves(reflect.ValueOf(&c).Elem(), "") {
		if k := l.v.Kind(); k == reflect.Int || l.v.Type() == reflect.TypeFor[time.Duration]() {
			numeric[l.key] = l.v.Type()
		}
	}
	for key := range outOfRange {
		if numeric[key] == nil {
			t.Errorf("outOfRange names %s, which is not a numeric key", key)
		}
	}
	for key, typ := range numeric {
		bad, ok := outOfRange[key]
		if !ok {
			t.Errorf("numeric key %s has no out-of-range value in outOfRange", key)
			continue
		}
		envName := EnvName(key)
		for _, value := range []string{bad, "many"} {
			_, err := Load("", env(map[string]string{envName: value}))
			var ce *Error
			if !errors.As(err, &ce) || ce.Key != key || ce.Source != envName || ce.Value != value {
				t.Errorf("%s=%s: error %v, want one naming %s from %s with its value", envName, value, err, key, envName)
				continue
			}
			want := key + " (from " + envName + `) is "` + value + `": want `
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s=%s: error %q, want it to contain %q", envName, value, err, want)
			}
		}

		// The same values in the file: quoted, so YAML hands a string to a
		// number, and plain.
		var doc strings.Builder
		parts := strings.Split(key, ".")
		for i, p := range parts[:len(parts)-1] {
			doc.WriteString(strings.Repeat("  ", i) + p + ":\n")
		}
		doc.WriteString(strings.Repeat("  ", len(parts)-1) + parts[len(parts)-1] + ": ")
		for _, value := range []string{bad, "many", `"12"`} {
			if typ == reflect.TypeFor[time.Duration]() && value == `"12"` {
				value = "12"
			}
			path := filepath.Join(t.TempDir(), "c.yaml")
			if err := os.WriteFile(path, []byte("# wagate\n"+doc.String()+value+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path, env(nil))
			var ce *Error
			if !errors.As(err, &ce) || ce.Key != key || !strings.HasPrefix(ce.Source, path) {
				t.Errorf("file %s: %s: error %v, want one naming %s from %s", key, value, err, key, path)
			}
		}
	}
}
