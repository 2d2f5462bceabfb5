package linkpreview

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestFindLink(t *testing.T) {
	for text, want := range map[string]string{
		"see https://example.com/a?b=1 now":    "https://example.com/a?b=1",
		"(http://example.com/x).":              "http://example.com/x",
		"no link here, just www.example.com":   "",
		"two: https://a.example and https://b": "https://a.example",
	} {
		if got := FindLink(text); got != want {
			t.Errorf("FindLink(%q) = %q, want %q", text, got, want)
		}
	}
}

func pic(t *testing.T, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 200, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestFetch(t *testing.T) {
	picture := pic(t, 20, 10)
	mux := http.NewServeMux()
	mux.HandleFunc("/og", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<html><head><title>Plain</title><meta property="og:title" content="OG &amp; Co">
<meta name="description" content="described"><meta property="og:image" content="/p.png"></head><body><meta property="og:title" content="late"></body></html>`)
	})
	mux.HandleFunc("/title", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<html><head><title> Only a title </title><meta property="og:image" content="/missing.png"></head></html>`)
	})
	mux.HandleFunc("/none", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `<html><body>nothing</body></html>`) })
	mux.HandleFunc("/pdf", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		w.Write([]byte("%PDF-1.4"))
	})
	mux.HandleFunc("/p.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(picture)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ctx := context.Background()

	p, err := Fetch(ctx, srv.Client(), srv.URL+"/og")
	if err != nil || p.Title != "OG & Co" || p.Description != "described" || !bytes.Equal(p.Image, picture) || p.URL != srv.URL+"/og" {
		t.Fatalf("og page: %+v, %v", p, err)
	}
	p, err = Fetch(ctx, srv.Client(), srv.URL+"/title")
	if err != nil || p.Title != "Only a title" || p.Image != nil {
		t.Fatalf("title only (its picture 404s): %+v, %v", p, err)
	}
	for _, path := range []string{"/none", "/pdf", "/gone"} {
		if p, err := Fetch(ctx, srv.Client(), srv.URL+path); err == nil {
			t.Errorf("%s: a preview %+v, want none", path, p)
		}
	}
	if _, err := Fetch(ctx, srv.Client(), "ftp://example.com/"); err == nil || !strings.Contains(err.Error(), "http") {
		t.Errorf("ftp: %v", err)
	}
}

func TestThumbnail(t *testing.T) {
	for _, c := range []struct{ w, h, side, wantW, wantH int }{
		{400, 200, 160, 160, 80},
		{100, 300, 160, 53, 160},
		{50, 40, 160, 50, 40}, // never enlarged
	} {
		jpg, w, h, err := Thumbnail(pic(t, c.w, c.h), c.side)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(jpg))
		if err != nil || w != c.wantW || h != c.wantH || cfg.Width != w || cfg.Height != h {
			t.Errorf("%dx%d in %d: %dx%d (JPEG %+v, %v), want %dx%d", c.w, c.h, c.side, w, h, cfg, err, c.wantW, c.wantH)
		}
	}
	if _, _, _, err := Thumbnail([]byte("not a picture"), 160); err == nil {
		t.Error("a non-picture made a thumbnail")
	}
}
