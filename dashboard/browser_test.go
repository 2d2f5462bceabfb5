package dashboard_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/skip2/go-qrcode"

	"github.com/wagate/wagate/capabilities"
	"github.com/wagate/wagate/dashboard"
	"github.com/wagate/wagate/dashboard/browsertest"
	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/enginetest"
	"github.com/wagate/wagate/engines/enginetest/memnet"
	"github.com/wagate/wagate/sessions"
)

// TestBrowserOnMemnet drives the dashboard in Chromium on an in-memory network,
// for what the sandbox cannot show quickly: the QR code the page shows is
// replaced by the rotated one (the very code, compared as an image), a WEBJS
// session offers its screenshot, chats and messages are paged, and a FAILED
// session says why and offers restart; the confirmation dialog works from the
// keyboard.
func TestBrowserOnMemnet(t *testing.T) {
	net := memnet.New()
	files := enginetest.NewMediaFiles(t)
	f := net.Factory(files)
	m, err := capabilities.Load("https://example.com/issues/new")
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range memnet.Supported(m) {
		m.Set(op, engines.WEBJS, capabilities.Supported) // the screenshot: WEBJS only
	}
	g := enginetest.NewGateway(t, enginetest.GatewayOptions{
		Matrix: m, Media: files, Factories: map[engines.Name]sessions.Factory{engines.WEBJS: f, engines.NOWEB: f},
		Dashboard: &dashboard.Options{Username: "admin", Password: "memnet-pw", Version: "test",
			Engines: []engines.Name{engines.WEBJS, engines.NOWEB}, Default: engines.WEBJS},
	})
	srv := httptest.NewServer(g.Handler)
	defer srv.Close()
	phone := net.Account("491510000001", "Phone")

	ctx := browsertest.Start(t, 1024, 900)
	browsertest.Login(t, ctx, srv.URL, "admin", "memnet-pw")
	browsertest.Step(t, ctx, "create a WEBJS session",
		chromedp.SendKeys(chromedp.CSS("#new-name"), "web"), chromedp.Click(chromedp.CSS("#create-submit")),
		chromedp.WaitVisible(chromedp.CSS("#info")))
	browsertest.Until(t, ctx, "the QR code", `document.querySelector("#status").dataset.status === "SCAN_QR_CODE" && document.querySelector("#qr").naturalWidth > 0`)

	// shown is the PNG the page shows now, fetched as the page did.
	shown := func() []byte {
		b64 := browsertest.Eval[string](t, ctx, `(async () => {
			const r = await fetch(document.querySelector("#qr").src); const b = new Uint8Array(await r.arrayBuffer());
			let s = ""; for (const x of b) s += String.fromCharCode(x); return btoa(s); })()`, chromedp.EvalAwaitPromise)
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	want := func(value string) []byte {
		png, err := qrcode.Encode(value, qrcode.Medium, 512)
		if err != nil {
			t.Fatal(err)
		}
		return png
	}
	var qr struct{ Value string }
	g.Expect(g.Do("GET", "/api/web/auth/qr?format=raw", nil), 200).JSON(t, &qr)
	if !bytes.Equal(shown(), want(qr.Value)) {
		t.Fatal("the page does not show the session's QR code")
	}
	first := browsertest.Eval[string](t, ctx, `document.querySelector("#qr").src`)
	rotated, err := net.RotateQR("web")
	if err != nil {
		t.Fatal(err)
	}
	browsertest.Until(t, ctx, "the rotated code", `document.querySelector("#qr").src !== `+jsString(first)+` && document.querySelector("#qr").complete && document.querySelector("#qr").naturalWidth > 0`)
	if !bytes.Equal(shown(), want(rotated)) {
		t.Fatal("the page does not show the rotated QR code")
	}

	// WEBJS: the screenshot of its page.
	browsertest.Until(t, ctx, "the screenshot card", `!document.querySelector("#screenshot-card").hidden`)
	browsertest.Step(t, ctx, "take a screenshot", chromedp.Click(chromedp.CSS("#take-screenshot")))
	browsertest.Until(t, ctx, "the screenshot", `document.querySelector("#screenshot").naturalWidth === 1`)

	// The phone scans the rotated code: WORKING, and the QR code is gone.
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := phone.ScanQR(sctx, rotated); err != nil {
		t.Fatal(err)
	}
	browsertest.Until(t, ctx, "WORKING", `document.querySelector("#status").dataset.status === "WORKING" && document.querySelector("#pairing").hidden && !document.querySelector("#qr").hasAttribute("src")`)

	// Paging: 22 chats, and 26 messages in the newest of them.
	var chatty *memnet.Phone
	for i := range 22 {
		p := net.Account(fmt.Sprintf("4915200000%02d", i), fmt.Sprintf("Contact %02d", i))
		if _, err := p.SendText(sctx, "491510000001", fmt.Sprintf("hi from %02d", i)); err != nil {
			t.Fatal(err)
		}
		chatty = p
	}
	for i := range 25 {
		if _, err := chatty.SendText(sctx, "491510000001", fmt.Sprintf("message %02d", i)); err != nil {
			t.Fatal(err)
		}
	}
	browsertest.Step(t, ctx, "the chats", chromedp.Navigate(srv.URL+"/dashboard/sessions/web/chats"), chromedp.WaitVisible(chromedp.CSS("#chats-page")))
	rows := `document.querySelectorAll("#chats a[data-id]").length`
	browsertest.Until(t, ctx, "a first page of 20", rows+` === 20 && !document.querySelector("#chats-next").disabled && document.querySelector("#chats-prev").disabled`)
	browsertest.Step(t, ctx, "older chats", chromedp.Click(chromedp.CSS("#chats-next")))
	browsertest.Until(t, ctx, "the last 2", rows+` === 2 && document.querySelector("#chats-next").disabled`)
	browsertest.Step(t, ctx, "newer chats", chromedp.Click(chromedp.CSS("#chats-prev")))
	browsertest.Until(t, ctx, "the first page again", rows+` === 20`)
	browsertest.Step(t, ctx, "open the newest chat", chromedp.Click(chromedp.CSS(`#chats a[data-id="491520000021@c.us"]`)))
	msgs := `document.querySelectorAll("#messages .msg").length`
	browsertest.Until(t, ctx, "20 messages, and older ones", msgs+` === 20 && !document.querySelector("#older").hidden`)
	browsertest.Step(t, ctx, "older messages", chromedp.Click(chromedp.CSS("#older")))
	browsertest.Until(t, ctx, "all 26, in order", msgs+` === 26 && document.querySelector("#older").hidden &&
		document.querySelector("#messages .msg").textContent.includes("hi from 21") && document.querySelector("#messages .msg:last-child").textContent.includes("message 24")`)

	// The archived view pages its own chats: 21 archived, one left in the inbox.
	for i := range 21 {
		g.Expect(g.Do("POST", fmt.Sprintf("/api/web/chats/4915200000%02d@c.us/archive", i), nil), 201)
	}
	browsertest.Step(t, ctx, "the chats again", chromedp.Navigate(srv.URL+"/dashboard/sessions/web/chats"), chromedp.WaitVisible(chromedp.CSS("#chats-page")))
	browsertest.Until(t, ctx, "one chat in the inbox", rows+` === 1 && document.querySelector("#chats-next").disabled`)
	browsertest.Step(t, ctx, "the archived", chromedp.SetValue(chromedp.CSS("#chat-filter"), "archived"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#chat-filter").dispatchEvent(new Event("change"))`))
	browsertest.Until(t, ctx, "20 archived", rows+` === 20 && !document.querySelector("#chats-next").disabled`)
	browsertest.Step(t, ctx, "older archived", chromedp.Click(chromedp.CSS("#chats-next")))
	browsertest.Until(t, ctx, "the last archived", rows+` === 1 && document.querySelector("#chats-next").disabled && !document.querySelector("#chats-prev").disabled`)

	// A session that fails says why, on the list and its page, and offers restart.
	g.Expect(g.Do("POST", "/api/sessions", map[string]any{"name": "broken", "engine": "NOWEB",
		"config": map[string]any{"metadata": map[string]string{memnet.MetaFail: "Chromium could not start: No usable sandbox!"}}}), 201)
	browsertest.Step(t, ctx, "the sessions list", chromedp.Navigate(srv.URL+"/dashboard/"), chromedp.WaitVisible(chromedp.CSS("#create")))
	browsertest.Until(t, ctx, "FAILED with its reason", `(() => { const r = document.querySelector('#sessions tr[data-name="broken"]');
		return !!(r && r.querySelector('.badge[data-status="FAILED"]') && r.textContent.includes("No usable sandbox!") && r.querySelector('[data-action="restart"]')); })()`)
	// Keyboard: the dialog opens on Cancel, and Escape keeps the session.
	browsertest.Step(t, ctx, "delete, from the keyboard", chromedp.Focus(chromedp.CSS(`#sessions tr[data-name="broken"] [data-action="delete"]`)),
		chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS("#confirm")))
	if id := browsertest.Eval[string](t, ctx, `document.activeElement.id`); id != "confirm-cancel" {
		t.Fatalf("the dialog's focus is on %q, want Cancel", id)
	}
	browsertest.Step(t, ctx, "Escape", chromedp.KeyEvent(kb.Escape), chromedp.WaitNotVisible(chromedp.CSS("#confirm")))
	g.Expect(g.Do("GET", "/api/sessions/broken", nil), 200)
	browsertest.Step(t, ctx, "its page", chromedp.Navigate(srv.URL+"/dashboard/sessions/broken"), chromedp.WaitVisible(chromedp.CSS("#info")))
	browsertest.Until(t, ctx, "why, and Restart", `(() => { const f = document.querySelector("#failure");
		return !f.hidden && f.textContent.includes("No usable sandbox!") && f.textContent.includes("Restart") && !document.querySelector('[data-action="restart"]').hidden; })()`)
}

// jsString quotes s for a page expression.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
