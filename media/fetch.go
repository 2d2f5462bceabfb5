package media

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
)

// FetchError is a file URL that did not answer, or answered with an error status;
// the API answers 422 with it.
type FetchError struct {
	URL    string // without its query, which may carry a token
	Status int    // 0: no answer
	Err    error
}

func (e *FetchError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("fetching %s: the server answered %d %s", e.URL, e.Status, http.StatusText(e.Status))
	}
	return fmt.Sprintf("fetching %s: %v", e.URL, e.Err)
}

func (e *FetchError) Unwrap() error { return e.Err }

// Fetch downloads the file at rawURL into a spooled file, at most MaxBytes of it,
// through client: the one the gateway's wiring hands over, which is where
// addresses a client may not make the gateway reach are refused (on every
// redirect too). The mimetype is the one given, else the server's, else sniffed;
// the file name the one given, else the URL's last segment.
func (f *Files) Fetch(ctx context.Context, client *http.Client, rawURL, mimetype, filename string) (*File, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: %q is not an http(s) URL", ErrBadURL, rawURL)
	}
	shown := (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadURL, err)
	}
	req.Header.Set("User-Agent", "wagate")
	res, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// The client's own error names the URL with its query: ours without.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, &FetchError{URL: shown, Err: err}
	}
	defer res.Body.Close()
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return nil, &FetchError{URL: shown, Status: res.StatusCode}
	}
	if res.ContentLength > f.o.MaxBytes {
		return nil, &TooLargeError{Limit: f.o.MaxBytes}
	}
	if mimetype == "" {
		if ct := res.Header.Get("Content-Type"); BaseType(ct) != "" && BaseType(ct) != "application/octet-stream" {
			mimetype = ct
		}
	}
	if filename == "" {
		if _, params, err := mime.ParseMediaType(res.Header.Get("Content-Disposition")); err == nil && params["filename"] != "" {
			filename = path.Base(params["filename"])
		} else if base := path.Base(res.Request.URL.Path); base != "/" && base != "." {
			filename = base
		}
	}
	s, err := f.NewSpool()
	if err != nil {
		return nil, err
	}
	if _, err := s.ReadFrom(res.Body); err != nil {
		s.Abort()
		var tl *TooLargeError
		if errors.As(err, &tl) || ctx.Err() != nil {
			return nil, err
		}
		return nil, &FetchError{URL: shown, Err: err}
	}
	return s.Finish(strings.TrimSpace(mimetype), filename)
}

// ErrBadURL is a file URL that is not one.
var ErrBadURL = errors.New("bad file URL")
