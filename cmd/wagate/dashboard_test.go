package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/wagate/wagate/dashboard/browsertest"
)

// receiver is a webhook receiver that answers 500 until told to accept.
type receiver struct {
	accept atomic.Bool
	mu     sync.Mutex
	got    []map[string]any // what it accepted
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	if !rc.accept.Load() {
		http.Error(w, "receiver is down", http.StatusInternalServerError)
		return
	}
	var env map[string]any
	_ = json.Unmarshal(raw, &env)
	rc.mu.Lock()
	rc.got = append(rc.got, env)
	rc.mu.Unlock()
}

// has reports whether the receiver accepted the envelope with this id.
func (rc *receiver) has(id string) bool {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, e := range rc.got {
		if e["id"] == id {
			return true
		}
	}
	return false
}

// phoneSaw reports whether a simulated phone's events include one of type typ
// that has text (in its text or media caption) or, with text "", any.
func phoneSaw(t *testing.T, sn, phone, typ, text string) bool {
	var evs []map[string]any
	call(t, "GET", sn+"/"+phone+"/events?type="+typ, "", nil, &evs)
	for _, e := range evs {
		raw, _ := json.Marshal(e)
		if text == "" || strings.Contains(string(raw), text) {
			return true
		}
	}
	return false
}

func testPNG(t *testing.T) string {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		for y := range 48 {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 160, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "view.png")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestDashboardInBrowser drives the dashboard in Chromium against `wagate
// sandbox`: log in (a wrong password first), create a session, see its QR code,
// pair it as a simulated phone and see WORKING without a reload; Alice's message
// in the chat list and the chat; a text and an image sent from the page reach
// Alice's phone; archiving reaches the account's phone; a failed webhook
// delivery is shown and sent again; pairing by phone code; delete, confirmed.
func TestDashboardInBrowser(t *testing.T) {
	rc := &receiver{}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	t.Setenv("WAGATE_DASHBOARD_PASSWORD", "browser-pw")
	t.Setenv("WAGATE_WEBHOOK_RETRIES_ATTEMPTS", "1")
	port, snPort := freePort(t), freePort(t)
	_, logs := startSandbox(t, "--listen", fmt.Sprintf("127.0.0.1:%d", port), "--simnet-listen", fmt.Sprintf("127.0.0.1:%d", snPort), "--manual-pairing")
	t.Cleanup(func() {
		if t.Failed() {
			path := filepath.Join(t.ArtifactDir(), "gateway.log")
			if os.WriteFile(path, []byte(logs.String()), 0o644) == nil {
				t.Logf("the gateway's log: %s", path)
			}
		}
	})
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	sn := fmt.Sprintf("http://127.0.0.1:%d/simnet/api/accounts", snPort)
	waitUp(t, base)
	const me, alice = "15550107777", "15550100002"
	if code := call(t, "POST", sn, "", map[string]any{"phone": me, "name": "Me"}, nil); code != 201 {
		t.Fatalf("create the phone's account: %d", code)
	}

	ctx := browsertest.Start(t, 1280, 900)

	// The gateway's root leads to the dashboard, which asks for the login.
	browsertest.Step(t, ctx, "open the gateway", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#login-form")))
	browsertest.Step(t, ctx, "log in with a wrong password",
		chromedp.SendKeys(chromedp.CSS("#username"), "admin"), chromedp.SendKeys(chromedp.CSS("#password"), "nope"),
		chromedp.Click(chromedp.CSS("#login")), chromedp.WaitVisible(chromedp.CSS("#login-error")))
	if msg := browsertest.Eval[string](t, ctx, `document.querySelector("#login-error").textContent`); !strings.Contains(msg, "Wrong username or password") {
		t.Fatalf("wrong password says %q", msg)
	}
	browsertest.Step(t, ctx, "log in",
		chromedp.SendKeys(chromedp.CSS("#username"), "admin"), chromedp.SendKeys(chromedp.CSS("#password"), "browser-pw"),
		chromedp.Click(chromedp.CSS("#login")), chromedp.WaitVisible(chromedp.CSS("#create")))
	browsertest.Until(t, ctx, "the empty list", `document.querySelector("#sessions tbody").textContent.includes("No sessions yet")`)
	// The browser's storage holds no API key, and the login cookie is not readable.
	if got := browsertest.Eval[string](t, ctx, `document.cookie + JSON.stringify(localStorage) + JSON.stringify(sessionStorage)`); strings.Contains(got, "sandbox-key") || strings.Contains(got, "wagate_dashboard") {
		t.Fatalf("the page can read %q", got)
	}

	// Create a session with a webhook (which fails for now) and metadata.
	browsertest.Step(t, ctx, "create a session",
		chromedp.SendKeys(chromedp.CSS("#new-name"), "demo"),
		chromedp.SendKeys(chromedp.CSS("#new-webhook"), hook.URL+"/hook"),
		chromedp.SendKeys(chromedp.CSS("#new-events"), "message"),
		chromedp.SendKeys(chromedp.CSS("#new-metadata"), "team=qa"),
		chromedp.Click(chromedp.CSS("#create-submit")),
		chromedp.WaitVisible(chromedp.CSS("#info")))
	browsertest.Until(t, ctx, "the QR code", `document.querySelector("#status").dataset.status === "SCAN_QR_CODE" && !document.querySelector("#pairing").hidden && document.querySelector("#qr").naturalWidth > 0`)
	if got := browsertest.Eval[string](t, ctx, `document.querySelector("#metadata").textContent + " " + document.querySelector("#webhooks").textContent`); !strings.Contains(got, "team=qa") || !strings.Contains(got, hook.URL) {
		t.Fatalf("session info shows %q", got)
	}
	// A mark on the page: it is still there after pairing, so no reload happened.
	browsertest.Eval[bool](t, ctx, `window.notReloaded = true`)

	// The phone scans the code the page shows.
	var qr map[string]string
	if code := call(t, "GET", base+"/api/demo/auth/qr?format=raw", "sandbox-key", nil, &qr); code != 200 {
		t.Fatalf("raw QR: %d", code)
	}
	if code := call(t, "POST", sn+"/"+me+"/scan", "", map[string]string{"qr": qr["value"]}, nil); code != 200 {
		t.Fatalf("scan: %d", code)
	}
	browsertest.Until(t, ctx, "WORKING, live", `document.querySelector("#status").dataset.status === "WORKING" && document.querySelector("#pairing").hidden && window.notReloaded === true`)
	browsertest.Until(t, ctx, "the paired account", `document.querySelector("#me").textContent.includes("`+me+`@c.us")`)
	if src := browsertest.Eval[string](t, ctx, `document.querySelector("#qr").getAttribute("src") || ""`); src != "" {
		t.Fatalf("the QR code is still there at WORKING: %s", src)
	}

	// Alice writes; her message is in the chat list (unread) and the chat.
	var first map[string]string
	if code := call(t, "POST", sn+"/"+alice+"/messages", "", map[string]any{"to": me, "text": "hello from Alice"}, &first); code != 200 && code != 201 {
		t.Fatalf("Alice sends: %d", code)
	}
	browsertest.Step(t, ctx, "open the chats", chromedp.Click(chromedp.CSS("#open-chats")), chromedp.WaitVisible(chromedp.CSS("#chats-page")))
	aliceRow := `document.querySelector('#chats a[data-id="` + alice + `@c.us"]')`
	browsertest.Until(t, ctx, "Alice's chat, unread", aliceRow+` && `+aliceRow+`.querySelector(".unread")?.textContent === "1"`)
	browsertest.Step(t, ctx, "open Alice's chat", chromedp.Click(chromedp.CSS(`#chats a[data-id="`+alice+`@c.us"]`)))
	browsertest.Until(t, ctx, "Alice's message", `[...document.querySelectorAll("#messages .msg")].some(m => m.textContent.includes("hello from Alice"))`)
	// Opened, the chat is read: the badge goes and Alice gets the read receipt.
	browsertest.Until(t, ctx, "the badge gone", aliceRow+` && !`+aliceRow+`.querySelector(".unread")`)
	waitFor(t, "Alice's read receipt", func() bool { return phoneSaw(t, sn, alice, "receipt", "read") })

	// Alice edits her message and sends one she takes back: both show live.
	if code := call(t, "POST", sn+"/"+alice+"/messages/"+first["id"]+"/edit", "", map[string]any{"to": me, "text": "hello from Alice, edited"}, nil); code != 200 {
		t.Fatalf("Alice edits: %d", code)
	}
	browsertest.Until(t, ctx, "the edit", `[...document.querySelectorAll("#messages .msg")].some(m => m.textContent.includes("hello from Alice, edited") && m.querySelector(".edited"))`)
	var oops map[string]string
	call(t, "POST", sn+"/"+alice+"/messages", "", map[string]any{"to": me, "text": "oops, wrong chat"}, &oops)
	browsertest.Until(t, ctx, "the message to take back", `[...document.querySelectorAll("#messages .msg")].some(m => m.textContent.includes("oops, wrong chat"))`)
	if code := call(t, "POST", sn+"/"+alice+"/messages/"+oops["id"]+"/revoke", "", map[string]any{"to": me}, nil); code != 200 {
		t.Fatalf("Alice revokes: %d", code)
	}
	browsertest.Until(t, ctx, "the revoke", `[...document.querySelectorAll("#messages .msg.revoked")].some(m => m.textContent.includes("This message was deleted")) &&
		![...document.querySelectorAll("#messages .msg")].some(m => m.textContent.includes("oops, wrong chat"))`)

	// A text and an image from the page reach Alice's phone.
	browsertest.Step(t, ctx, "send a text",
		chromedp.SendKeys(chromedp.CSS("#text"), "hi Alice, from the dashboard"), chromedp.Click(chromedp.CSS("#send")))
	browsertest.Until(t, ctx, "the sent text in the chat", `[...document.querySelectorAll("#messages .msg.me")].some(m => m.textContent.includes("hi Alice, from the dashboard"))`)
	waitFor(t, "Alice's phone to get the text", func() bool { return phoneSaw(t, sn, alice, "message", "hi Alice, from the dashboard") })
	browsertest.Step(t, ctx, "send an image",
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{testPNG(t)}),
		chromedp.SendKeys(chromedp.CSS("#text"), "the view"), chromedp.Click(chromedp.CSS("#send")))
	browsertest.Until(t, ctx, "the sent image in the chat", `[...document.querySelectorAll("#messages .msg.me img")].some(i => i.naturalWidth === 64)`)
	waitFor(t, "Alice's phone to get the image", func() bool { return phoneSaw(t, sn, alice, "message", `"caption":"the view"`) })
	browsertest.Snap(t, ctx, os.Getenv("WAGATE_SCREENSHOTS"), "chat.png")

	// A new chat, with Echo Bot: it answers live.
	browsertest.Step(t, ctx, "a new chat with Echo Bot", chromedp.SendKeys(chromedp.CSS("#new-chat-id"), "+1 555 010 0001"),
		chromedp.Click(chromedp.CSS("#new-chat button")))
	browsertest.Until(t, ctx, "the chat open", `document.querySelector("#chat-title").textContent === "15550100001@c.us"`)
	browsertest.Step(t, ctx, "write to Echo Bot", chromedp.SendKeys(chromedp.CSS("#text"), "ping from the dashboard"),
		chromedp.KeyEvent("\r", chromedp.KeyModifiers(chromedp.ModifierCtrl)))
	browsertest.Until(t, ctx, "Echo Bot's answer", `[...document.querySelectorAll("#messages .msg:not(.me)")].some(m => m.textContent.includes("ping from the dashboard"))`)
	browsertest.Until(t, ctx, "Echo Bot in the list", `document.querySelector('#chats a[data-id="15550100001@c.us"]') !== null`)
	browsertest.Step(t, ctx, "back to Alice", chromedp.Click(chromedp.CSS(`#chats a[data-id="`+alice+`@c.us"]`)))
	browsertest.Until(t, ctx, "Alice's chat again", `document.querySelector("#chat-title").textContent === "Alice" && document.querySelectorAll("#messages .msg").length > 0`)

	// Archive: the account's phone sees it.
	browsertest.Step(t, ctx, "archive the chat", chromedp.Click(chromedp.CSS(`[data-chat="archive"]`)))
	waitFor(t, "the phone to see the archive", func() bool { return phoneSaw(t, sn, me, "archive", "") })
	browsertest.Step(t, ctx, "show archived chats", chromedp.SetValue(chromedp.CSS("#chat-filter"), "archived"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#chat-filter").dispatchEvent(new Event("change"))`))
	browsertest.Until(t, ctx, "Alice's chat among the archived", aliceRow+` !== null`)
	// Unread, clear and delete reach the phone too; the destructive ones ask first.
	browsertest.Step(t, ctx, "mark unread", chromedp.Click(chromedp.CSS(`[data-chat="unread"]`)))
	waitFor(t, "the phone to see it unread", func() bool { return phoneSaw(t, sn, me, "mark_read", "") })
	browsertest.Step(t, ctx, "clear the chat", chromedp.Click(chromedp.CSS(`[data-chat="clear"]`)), chromedp.WaitVisible(chromedp.CSS("#confirm")),
		chromedp.Click(chromedp.CSS("#confirm-ok")))
	waitFor(t, "the phone to see it cleared", func() bool { return phoneSaw(t, sn, me, "clear_chat", "") })
	browsertest.Until(t, ctx, "no messages shown", `document.querySelectorAll("#messages .msg").length === 0`)
	browsertest.Step(t, ctx, "delete the chat", chromedp.Click(chromedp.CSS(`[data-chat="delete"]`)), chromedp.WaitVisible(chromedp.CSS("#confirm")),
		chromedp.Click(chromedp.CSS("#confirm-ok")))
	waitFor(t, "the phone to see it deleted", func() bool { return phoneSaw(t, sn, me, "delete_chat", "") })
	browsertest.Until(t, ctx, "the chat closed", `document.querySelector("#chat").hidden`)

	// Alice's message went to a receiver that answered 500: failed, with its
	// error; sent again once the receiver is up, it arrives.
	browsertest.Step(t, ctx, "open the session", chromedp.Navigate(base+"/dashboard/sessions/demo"), chromedp.WaitVisible(chromedp.CSS("#deliveries")))
	failed := `[...document.querySelectorAll("#deliveries tbody tr")].find(r => r.textContent.includes("message") && r.querySelector(".badge.failed"))`
	// A delivery fails without an event to tell the page: once the gateway has
	// it as failed, Refresh shows it.
	waitFor(t, "a failed delivery", func() bool {
		var ds []map[string]any
		call(t, "GET", base+"/api/webhooks/deliveries?session=demo&status=failed", "sandbox-key", nil, &ds)
		return len(ds) > 0
	})
	browsertest.Step(t, ctx, "refresh the deliveries", chromedp.Click(chromedp.CSS("#deliveries-refresh")))
	browsertest.Until(t, ctx, "the failed delivery", `!!`+failed)
	if e := browsertest.Eval[string](t, ctx, failed+`.querySelector(".last-error").textContent`); !strings.Contains(e, "500") {
		t.Fatalf("the failed delivery's error: %q", e)
	}
	rc.accept.Store(true)
	id := browsertest.Eval[string](t, ctx, failed+`.dataset.id`)
	var ds []map[string]any
	call(t, "GET", base+"/api/webhooks/deliveries?session=demo&status=failed", "sandbox-key", nil, &ds)
	eventID := ""
	for _, d := range ds {
		if d["id"] == id {
			eventID, _ = d["eventId"].(string)
		}
	}
	if eventID == "" {
		t.Fatalf("the page's failed delivery %s is not among the API's: %v", id, ds)
	}
	browsertest.Eval[bool](t, ctx, failed+`.querySelector("button.retry").click() || true`)
	waitFor(t, "the delivery sent again", func() bool { return rc.has(eventID) })
	browsertest.Step(t, ctx, "show delivered", chromedp.SetValue(chromedp.CSS("#delivery-status"), "delivered"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#delivery-status").dispatchEvent(new Event("change"))`))
	browsertest.Until(t, ctx, "the delivery delivered", `[...document.querySelectorAll("#deliveries tbody tr")].some(r => r.textContent.includes("message") && r.querySelector(".badge.delivered"))`)
	// The live log: Alice writes again, and the filter shows one event name.
	if code := call(t, "POST", sn+"/"+alice+"/messages", "", map[string]any{"to": me, "text": "Alice again"}, nil); code != 200 && code != 201 {
		t.Fatalf("Alice sends: %d", code)
	}
	browsertest.Until(t, ctx, "the message in the live log", `[...document.querySelectorAll('#events li[data-event="message"]')].some(li => li.textContent.includes("Alice again"))`)
	browsertest.Step(t, ctx, "filter the log", chromedp.SendKeys(chromedp.CSS("#event-filter"), "message.any"))
	browsertest.Until(t, ctx, "only message.any shown", `(() => { const shown = [...document.querySelectorAll("#events li[data-event]")].filter(li => !li.hidden);
		return shown.length > 0 && shown.every(li => li.dataset.event === "message.any"); })()`)

	// Pairing by phone code, for a second session.
	if code := call(t, "POST", sn, "", map[string]any{"phone": "15550108888", "name": "Other"}, nil); code != 201 {
		t.Fatalf("create the second phone: %d", code)
	}
	browsertest.Step(t, ctx, "back to the sessions", chromedp.Navigate(base+"/dashboard/"), chromedp.WaitVisible(chromedp.CSS("#create")))
	browsertest.Step(t, ctx, "create a second session",
		chromedp.SendKeys(chromedp.CSS("#new-name"), "bycode"), chromedp.Click(chromedp.CSS("#create-submit")),
		chromedp.WaitVisible(chromedp.CSS("#info")))
	browsertest.Until(t, ctx, "the pairing form", `!document.querySelector("#pairing").hidden`)
	browsertest.Step(t, ctx, "ask for a code", chromedp.SendKeys(chromedp.CSS("#pair-phone"), "15550108888"),
		chromedp.Click(chromedp.CSS(`#pair-code button`)))
	browsertest.Until(t, ctx, "the code", `document.querySelector("#code").textContent.length >= 8`)
	code := browsertest.Eval[string](t, ctx, `document.querySelector("#code").textContent`)
	if st := call(t, "POST", sn+"/15550108888/pair-code", "", map[string]string{"code": code}, nil); st != 200 {
		t.Fatalf("enter the code %q: %d", code, st)
	}
	browsertest.Until(t, ctx, "bycode WORKING", `document.querySelector("#status").dataset.status === "WORKING"`)

	// The list shows both, live; delete asks first, and Cancel keeps the session.
	browsertest.Step(t, ctx, "the sessions list", chromedp.Navigate(base+"/dashboard/"), chromedp.WaitVisible(chromedp.CSS("#create")))
	browsertest.Until(t, ctx, "both sessions WORKING", `document.querySelectorAll('#sessions .badge[data-status="WORKING"]').length === 2`)
	browsertest.Snap(t, ctx, os.Getenv("WAGATE_SCREENSHOTS"), "sessions.png")
	del := `#sessions tr[data-name="bycode"] button[data-action="delete"]`
	browsertest.Step(t, ctx, "delete, then cancel", chromedp.Click(chromedp.CSS(del)), chromedp.WaitVisible(chromedp.CSS("#confirm")),
		chromedp.Click(chromedp.CSS("#confirm-cancel")), chromedp.WaitNotVisible(chromedp.CSS("#confirm")))
	if code := call(t, "GET", base+"/api/sessions/bycode", "sandbox-key", nil, nil); code != 200 {
		t.Fatalf("cancelled delete: session answers %d", code)
	}
	browsertest.Step(t, ctx, "delete, confirmed", chromedp.Click(chromedp.CSS(del)), chromedp.WaitVisible(chromedp.CSS("#confirm")),
		chromedp.Click(chromedp.CSS("#confirm-ok")))
	browsertest.Until(t, ctx, "the row gone", `document.querySelector('#sessions tr[data-name="bycode"]') === null`)
	waitFor(t, "the session deleted", func() bool { return call(t, "GET", base+"/api/sessions/bycode", "sandbox-key", nil, nil) == 404 })

	// A session made elsewhere (here through the API) shows up live.
	if code := call(t, "POST", base+"/api/sessions", "sandbox-key", map[string]any{"name": "elsewhere"}, nil); code != 201 {
		t.Fatalf("create through the API: %d", code)
	}
	browsertest.Until(t, ctx, "the new row, live", `document.querySelector('#sessions tr[data-name="elsewhere"] .badge[data-status="SCAN_QR_CODE"]') !== null`)

	// The server page: version, engines, health and the capability matrix.
	browsertest.Step(t, ctx, "the server page", chromedp.Navigate(base+"/dashboard/server"), chromedp.WaitVisible(chromedp.CSS("#health")))
	browsertest.Until(t, ctx, "health and version", `document.querySelector("#health").textContent.includes("ok") && document.querySelector("#version").textContent.includes("NOWEB")
		&& document.querySelector("#health-sessions").textContent.includes("WORKING")`)
	if got := browsertest.Eval[string](t, ctx, `document.querySelector("#engines").textContent + " | " + [...document.querySelectorAll("table.matrix tr")].find(r => r.textContent.includes("/api/screenshot")).textContent`); !strings.Contains(got, "NOWEB (default)") || !strings.Contains(got, "✔") || !strings.Contains(got, "✘") {
		t.Fatalf("server page: %q", got)
	}

	// On a phone's width the list is still usable.
	browsertest.Step(t, ctx, "back to the sessions", chromedp.Navigate(base+"/dashboard/"), chromedp.WaitVisible(chromedp.CSS("#create")))
	browsertest.Until(t, ctx, "the list", `document.querySelector('#sessions tr[data-name="demo"]') !== null`)
	browsertest.Step(t, ctx, "a phone's width", chromedp.EmulateViewport(390, 844))
	browsertest.Until(t, ctx, "the session row in view", `(() => { const r = document.querySelector('#sessions tr[data-name="demo"]').getBoundingClientRect(); return r.width > 0 && r.right <= 390; })()`)
	// The chats: the list, then a chat in its place, and back.
	visible := func(sel string) string {
		return `(() => { const e = document.querySelector(` + "`" + sel + "`" + `); const r = e.getBoundingClientRect(); return r.width > 0 && r.right <= 391; })()`
	}
	browsertest.Step(t, ctx, "the chats on a phone", chromedp.Navigate(base+"/dashboard/sessions/demo/chats"), chromedp.WaitVisible(chromedp.CSS("#chats-page")))
	browsertest.Until(t, ctx, "the list alone", visible(".chatlist")+` && document.querySelector("#chat").getBoundingClientRect().width === 0 && document.querySelector("#chats a[data-id]") !== null`)
	browsertest.Step(t, ctx, "open a chat", chromedp.Click(chromedp.CSS("#chats a[data-id]")))
	browsertest.Until(t, ctx, "the chat alone", visible("#chat")+` && `+visible("#send")+` && document.querySelector(".chatlist").getBoundingClientRect().width === 0`)
	browsertest.Snap(t, ctx, os.Getenv("WAGATE_SCREENSHOTS"), "phone.png")
	browsertest.Step(t, ctx, "back", chromedp.Click(chromedp.CSS("#chat-back")))
	browsertest.Until(t, ctx, "the list again", visible(".chatlist"))
}

// TestDashboardLoginOpensTheAPI: over real HTTP against the sandbox, the
// dashboard's login cookie stands for the API key, a state change needs the
// login's CSRF token too, and a websocket from another origin is refused; the
// banner says where the dashboard is and who logs in.
func TestDashboardLoginOpensTheAPI(t *testing.T) {
	t.Setenv("WAHA_DASHBOARD_USERNAME", "ops")
	t.Setenv("WAHA_DASHBOARD_PASSWORD", "http-pw")
	port := freePort(t)
	out, _ := startSandbox(t, "--listen", fmt.Sprintf("127.0.0.1:%d", port))
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitUp(t, base)
	waitFor(t, "the banner", func() bool { return strings.Contains(out.String(), "Control API") })
	for _, want := range []string{fmt.Sprintf("Dashboard:   http://localhost:%d/dashboard", port), "user ops", "open the dashboard"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, out.String())
		}
	}
	jar, _ := cookiejar.New(nil)
	cl := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string, headers ...string) (*http.Response, string) {
		req, _ := http.NewRequest("GET", base+path, nil)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		res, err := cl.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if res.StatusCode == http.StatusSwitchingProtocols {
			return res, "" // a websocket: its body lasts as long as the stream
		}
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	send := func(method, path, body string, headers ...string) int {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		res, err := cl.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if res, _ := get("/api/sessions"); res.StatusCode != 401 {
		t.Fatalf("no login, no key: %d", res.StatusCode)
	}
	_, page := get("/dashboard/login")
	tok := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if tok == nil {
		t.Fatalf("login form:\n%s", page)
	}
	form := url.Values{"username": {"ops"}, "password": {"http-pw"}, "csrf": {tok[1]}}
	req, _ := http.NewRequest("POST", base+"/dashboard/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := cl.Do(req)
	if err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %v %v", res, err)
	}
	res.Body.Close()
	_, page = get("/dashboard/")
	csrf := regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`).FindStringSubmatch(page)
	if csrf == nil {
		t.Fatalf("sessions page:\n%s", page)
	}
	if res, _ := get("/api/sessions"); res.StatusCode != 200 {
		t.Fatalf("logged in: GET %d", res.StatusCode)
	}
	if code := send("POST", "/api/sessions", `{"name":"nocsrf"}`); code != 403 {
		t.Fatalf("a CSRF-less POST: %d", code)
	}
	if code := send("POST", "/api/sessions", `{"name":"evil"}`, "X-CSRF-Token", csrf[1], "Origin", "http://evil.example"); code != 403 {
		t.Fatalf("a POST from another origin: %d", code)
	}
	if code := send("POST", "/api/sessions", `{"name":"withcsrf"}`, "X-CSRF-Token", csrf[1]); code != 201 {
		t.Fatalf("a POST with the CSRF token: %d", code)
	}
	// The sandbox refuses WEBJS to the dashboard as to the key.
	if code := send("POST", "/api/sessions", `{"name":"web","engine":"WEBJS"}`, "X-CSRF-Token", csrf[1]); code != 400 {
		t.Fatalf("a WEBJS session in the sandbox: %d", code)
	}
	ws := []string{"Connection", "Upgrade", "Upgrade", "websocket", "Sec-WebSocket-Version", "13", "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}
	if res, _ := get("/ws?session=*", append(ws, "Origin", "http://evil.example")...); res.StatusCode != 403 {
		t.Fatalf("a websocket from another origin: %d", res.StatusCode)
	}
	if res, _ := get("/ws?session=*", append(ws, "Origin", base)...); res.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("the dashboard's websocket: %d", res.StatusCode)
	}
	// The root leads to the dashboard, dropping a key from the address.
	if res, _ := get("/?x-api-key=sandbox-key"); res.StatusCode != 302 || res.Header.Get("Location") != "/dashboard/" {
		t.Fatalf("/: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
}
