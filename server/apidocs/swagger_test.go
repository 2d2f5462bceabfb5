package apidocs

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, method, target string) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec.Result()
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSwaggerUIPage(t *testing.T) {
	h := SwaggerUI()
	v := newValidator(t)
	for _, target := range []string{"/swagger", "/swagger/", "/swagger/index.html", "/swagger?x-api-key=k"} {
		resp := get(t, h, http.MethodGet, target)
		body := readBody(t, resp)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", target, resp.StatusCode)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("GET %s: Content-Type %q", target, ct)
		}
		for _, want := range []string{`/swagger/swagger-ui-bundle.js`, `/swagger/swagger-ui.css`, `/swagger/init.js`} {
			if !strings.Contains(body, want) {
				t.Errorf("GET %s: page does not load %s", target, want)
			}
		}
		if target == "/swagger" {
			if err := v.Validate(httptest.NewRequest(http.MethodGet, target, nil), resp.StatusCode, resp.Header, []byte(body)); err != nil {
				t.Errorf("GET %s: %v", target, err)
			}
		}
	}
}

// TestSwaggerUIPassesKey: a key in the page URL goes on to the asset URLs, escaped.
func TestSwaggerUIPassesKey(t *testing.T) {
	h := SwaggerUI()
	body := readBody(t, get(t, h, http.MethodGet, `/swagger?x-api-key=a%26b%22%3Cc`))
	if !strings.Contains(body, `/swagger/swagger-ui-bundle.js?x-api-key=a%26b%22%3cc"`) {
		t.Errorf("key not passed on, escaped, to the assets:\n%s", body)
	}
	if strings.Contains(body, `"<c`) || strings.Contains(body, `a&b`) {
		t.Errorf("key not escaped:\n%s", body)
	}
	body = readBody(t, get(t, h, http.MethodGet, `/swagger`))
	if strings.Contains(body, "x-api-key") {
		t.Errorf("page without a key mentions one:\n%s", body)
	}
}

func TestSwaggerUIAssets(t *testing.T) {
	h := SwaggerUI()
	for target, wantCT := range map[string]string{
		"/swagger/swagger-ui-bundle.js":       "text/javascript",
		"/swagger/swagger-ui.css?x-api-key=k": "text/css",
		"/swagger/init.js":                    "text/javascript",
		"/swagger/favicon-32x32.png":          "image/png",
	} {
		resp := get(t, h, http.MethodGet, target)
		body := readBody(t, resp)
		if resp.StatusCode != http.StatusOK || len(body) == 0 {
			t.Errorf("GET %s: %d, %d bytes", target, resp.StatusCode, len(body))
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, wantCT) {
			t.Errorf("GET %s: Content-Type %q, want %s", target, ct, wantCT)
		}
	}
	init := readBody(t, get(t, h, http.MethodGet, "/swagger/init.js"))
	for _, want := range []string{`"/api/openapi.json"`, "requestInterceptor", `preauthorizeApiKey("apiKey"`, `"X-Api-Key"`, `get("x-api-key")`} {
		if !strings.Contains(init, want) {
			t.Errorf("init.js lacks %s", want)
		}
	}
}

func TestSwaggerUIRejects(t *testing.T) {
	h := SwaggerUI()
	for _, c := range []struct {
		method, target string
		want           int
	}{
		{http.MethodGet, "/swagger/nope.js", http.StatusNotFound},
		{http.MethodGet, "/swagger/../openapi.json", http.StatusNotFound},
		{http.MethodGet, "/swagger/a/b.js", http.StatusNotFound},
		{http.MethodGet, "/swaggerx", http.StatusNotFound},
		{http.MethodGet, "/api/openapi.json", http.StatusNotFound},
		{http.MethodPost, "/swagger", http.StatusMethodNotAllowed},
	} {
		if got := get(t, h, c.method, c.target).StatusCode; got != c.want {
			t.Errorf("%s %s: %d, want %d", c.method, c.target, got, c.want)
		}
	}
	if resp := get(t, h, http.MethodHead, "/swagger"); resp.StatusCode != http.StatusOK || readBody(t, resp) != "" {
		t.Errorf("HEAD /swagger: %d", resp.StatusCode)
	}
}
