package webjs

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strings"
)

//go:embed js/*.js
var jsFS embed.FS

// scriptConfig is visible to the injected files as __wagateConfig.
type scriptConfig struct {
	LoadTimeoutMs int64 `json:"loadTimeoutMs"`
}

// injectedScript joins js/*.js in name order into one script that installs
// window.WAGATE once per document. The files are numbered by dependency
// (bridge, wait, store, serializers, auth, chats, messages, events, main).
func injectedScript(cfg scriptConfig) (string, error) {
	names, err := fs.Glob(jsFS, "js/*.js")
	if err != nil {
		return "", fmt.Errorf("listing injected scripts: %w", err)
	}
	slices.Sort(names)
	var b strings.Builder
	// Main frame only, and only once: the script is added to every new
	// document and also evaluated into the current one.
	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		return "", fmt.Errorf("encoding script config: %w", err)
	}
	b.WriteString("(function(){\nif (window.top !== window || window.WAGATE) return;\n")
	fmt.Fprintf(&b, "const __wagateConfig = %s;\n", cfgJSON)
	for _, name := range names {
		src, err := fs.ReadFile(jsFS, name)
		if err != nil {
			return "", fmt.Errorf("reading %s: %w", name, err)
		}
		fmt.Fprintf(&b, "// --- %s ---\n%s\n", name, src)
	}
	b.WriteString("})();\n")
	return b.String(), nil
}
