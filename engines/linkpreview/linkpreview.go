// Package linkpreview makes the preview card of a link as WhatsApp clients do:
// the page's Open Graph title, description and image, fetched with bounded size
// and time.
package linkpreview

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"golang.org/x/net/html"
)

// Limits of one preview.
const (
	maxPage    = 1 << 20 // the part of the page read for its <head>
	maxImage   = 5 << 20
	fetchLimit = 10 * time.Second
)

// Preview is a link's card.
type Preview struct {
	URL         string // the link as the text has it
	Title       string
	Description string
	Image       []byte // nil when the page has none (or it could not be fetched)
}

var linkRE = regexp.MustCompile(`(?i)\bhttps?://[^\s<>"]+`)

// FindLink is the first http(s) link of text, "" when there is none.
func FindLink(text string) string {
	l := linkRE.FindString(text)
	return strings.TrimRight(l, ".,;:!?)]}'")
}

// Fetch makes the preview of link with client. A page without a title gives
// an error: WhatsApp sends no card for it.
func Fetch(ctx context.Context, client *http.Client, link string) (*Preview, error) {
	ctx, cancel := context.WithTimeout(ctx, fetchLimit)
	defer cancel()
	u, err := url.Parse(link)
	if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("link preview: %q is not an http(s) URL", link)
	}
	body, ctype, err := get(ctx, client, u.String(), maxPage)
	if err != nil {
		return nil, fmt.Errorf("link preview of %s: %w", link, err)
	}
	if mt, _, _ := mime.ParseMediaType(ctype); mt != "" && mt != "text/html" && mt != "application/xhtml+xml" {
		return nil, fmt.Errorf("link preview of %s: not a page (%s)", link, mt)
	}
	meta := parseHead(body)
	p := &Preview{URL: link, Title: first(meta["og:title"], meta["twitter:title"], meta["title"]),
		Description: first(meta["og:description"], meta["twitter:description"], meta["description"])}
	if p.Title == "" {
		return nil, fmt.Errorf("link preview of %s: the page has no title", link)
	}
	if img := first(meta["og:image"], meta["twitter:image"]); img != "" {
		if ref, err := u.Parse(img); err == nil && (ref.Scheme == "http" || ref.Scheme == "https") {
			// A preview without its picture is still a preview.
			if data, ctype, err := get(ctx, client, ref.String(), maxImage); err == nil && strings.HasPrefix(ctype, "image/") {
				p.Image = data
			}
		}
	}
	return p, nil
}

func first(vs ...string) string {
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

func get(ctx context.Context, client *http.Client, u string, limit int64) ([]byte, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, "", err
	}
	// Sites serve their cards to link-preview robots; WhatsApp's identifies itself so.
	req.Header.Set("User-Agent", "WhatsApp/2.26 (wagate link preview)")
	res, err := client.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("%s answered %s", u, res.Status)
	}
	data, err := io.ReadAll(io.LimitReader(res.Body, limit+1))
	if err != nil {
		return nil, "", err
	}
	if int64(len(data)) > limit {
		if limit == maxPage {
			return data[:limit], res.Header.Get("Content-Type"), nil // the head is in the first part
		}
		return nil, "", errors.New("too large")
	}
	return data, res.Header.Get("Content-Type"), nil
}

// parseHead collects a page's <title> and its <meta> properties and names.
func parseHead(page []byte) map[string]string {
	out := map[string]string{}
	z := html.NewTokenizer(strings.NewReader(string(page)))
	inTitle := false
	for {
		switch z.Next() {
		case html.ErrorToken:
			return out
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			switch string(name) {
			case "title":
				inTitle = true
			case "meta":
				var key, content string
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					switch strings.ToLower(string(k)) {
					case "property", "name":
						key = strings.ToLower(string(v))
					case "content":
						content = string(v)
					}
				}
				if key != "" && out[key] == "" {
					out[key] = content
				}
			case "body":
				return out
			}
		case html.TextToken:
			if inTitle && out["title"] == "" {
				out["title"] = strings.TrimSpace(string(z.Text()))
			}
		case html.EndTagToken:
			if name, _ := z.TagName(); string(name) == "title" {
				inTitle = false
			}
		}
	}
}
