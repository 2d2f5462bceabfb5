package webjs

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/wagate/wagate/engines/webjs/fakeweb"
)

// TestPairingCodeRestartAndPhoneLogout: QR expiry and refresh, pairing by
// phone code, a restart on the same profile staying logged in, and a
// logout from the phone.
func TestPairingCodeRestartAndPhoneLogout(t *testing.T) {
	fw := startFake(t, fakeweb.Options{QRRefInterval: 150 * time.Millisecond, QRRefs: 2}, fakeweb.Account{Chats: 3, MessagesPerChat: 2})
	profile := t.TempDir()
	h := launch(t, fw, profile, Config{PairingCodeInterval: 700 * time.Millisecond})
	ctx := ctxT(t, 40*time.Second)

	// Two refs, then UNPAIRED_IDLE; the script asks for fresh ones.
	h.ev.wait(t, 0, 10*time.Second, "UNPAIRED_IDLE", func(e Event) bool { return e.Type == EventState && e.State == "UNPAIRED_IDLE" })
	var qrs []string
	h.ev.wait(t, 0, 10*time.Second, "4 distinct QRs", func(e Event) bool {
		if e.Type == EventQR && !strings.Contains(strings.Join(qrs, "\n"), e.QR) {
			qrs = append(qrs, e.QR)
		}
		return len(qrs) >= 4
	})

	if _, err := h.d.RequestPairingCode(ctx, "12"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("short phone: %v", err)
	}
	code, err := h.d.RequestPairingCode(ctx, "+1 (555) 000-9999")
	if err != nil {
		t.Fatal(err)
	}
	if len(code) != 8 || strings.ToUpper(code) != code {
		t.Fatalf("code %q: want 8 upper-case characters", code)
	}
	st, err := fw.State(ctx)
	if err != nil || st.PairingCode != code || st.PairingPhone != "15550009999" {
		t.Fatalf("page pairing state = %+v, %v", st, err)
	}
	var he *fakeweb.HookError
	if err := fw.ConfirmPairingCode(ctx, "AAAA-AAAA"); !errors.As(err, &he) {
		t.Fatalf("wrong code accepted: %v", err)
	}
	// The code is renewed while unpaired; the old one stops working.
	mark := h.ev.mark()
	renewed := h.ev.wait(t, mark, 5*time.Second, "renewed code", func(e Event) bool { return e.Type == EventCode && e.Code != code })
	if err := fw.ConfirmPairingCode(ctx, FormatPairingCode(code)); !errors.As(err, &he) {
		t.Fatalf("stale code accepted: %v", err)
	}
	code = renewed.Code
	if err := fw.ConfirmPairingCode(ctx, FormatPairingCode(code)); err != nil {
		t.Fatal(err)
	}
	if _, err := h.d.WaitStatus(ctx, StatusWorking); err != nil {
		t.Fatal(err)
	}
	me, err := h.d.Me(ctx)
	if err != nil || me.ID != "15550009999@c.us" {
		t.Fatalf("me = %+v, %v", me, err)
	}
	if err := h.d.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := h.d.Me(ctx); !errors.Is(err, ErrClosed) {
		t.Fatalf("call after Close: %v", err)
	}
	select {
	case _, open := <-h.d.Events():
		for open {
			_, open = <-h.d.Events()
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Events not closed by Close")
	}

	// Same profile: WhatsApp keeps its keys there, no QR this time.
	h2 := launch(t, fw, profile, Config{})
	if _, err := h2.d.WaitStatus(ctx, StatusWorking); err != nil {
		t.Fatal(err)
	}
	for _, e := range h2.ev.since(0) {
		if e.Type == EventQR {
			t.Fatal("a QR after restarting a paired profile")
		}
	}
	if me2, err := h2.d.Me(ctx); err != nil || me2.ID != me.ID {
		t.Fatalf("me after restart = %+v, %v", me2, err)
	}

	mark = h2.ev.mark()
	if err := fw.LogoutFromPhone(ctx); err != nil {
		t.Fatal(err)
	}
	h2.ev.wait(t, mark, 10*time.Second, "logged_out", isType(EventLoggedOut))
	if _, err := h2.d.WaitStatus(ctx, StatusScanQR); err != nil {
		t.Fatal(err)
	}
}

// TestPageCrash: a renderer crash closes Died with ErrPageCrashed and
// later calls fail with it instead of hanging.
func TestPageCrash(t *testing.T) {
	fw := startFake(t, fakeweb.Options{}, fakeweb.Account{})
	h := launch(t, fw, t.TempDir(), Config{CallTimeout: 5 * time.Second})
	ctx := ctxT(t, 20*time.Second)
	if _, err := h.d.WaitStatus(ctx, StatusScanQR); err != nil {
		t.Fatal(err)
	}
	select {
	case <-h.d.Died():
		t.Fatal("died before the crash")
	default:
	}
	go func() {
		// The renderer dies mid-call, so this call does not answer.
		cctx, cancel := context.WithTimeout(h.d.tabCtx, 3*time.Second)
		defer cancel()
		_ = chromedp.Do(cctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, page.Crash, cdp.Empty{})
			return err
		}))
	}()
	select {
	case <-h.d.Died():
	case <-ctx.Done():
		t.Fatal("no died signal after a page crash")
	}
	if !errors.Is(h.d.Err(), ErrPageCrashed) {
		t.Fatalf("Err() = %v", h.d.Err())
	}
	if st := h.d.Status(); st.Status != StatusFailed {
		t.Fatalf("status = %+v", st)
	}
	if _, err := h.d.QR(ctx); !errors.Is(err, ErrPageCrashed) {
		t.Fatalf("call after the crash: %v", err)
	}
}

// TestBrowserExit: a killed Chromium closes Died with ErrBrowserExited.
func TestBrowserExit(t *testing.T) {
	fw := startFake(t, fakeweb.Options{}, fakeweb.Account{})
	h := launch(t, fw, t.TempDir(), Config{})
	ctx := ctxT(t, 20*time.Second)
	if _, err := h.d.WaitStatus(ctx, StatusScanQR); err != nil {
		t.Fatal(err)
	}
	pid := h.d.BrowserPID()
	if pid == 0 {
		t.Fatal("no browser pid")
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case <-h.d.Died():
	case <-ctx.Done():
		t.Fatal("no died signal after the browser was killed")
	}
	if !errors.Is(h.d.Err(), ErrBrowserExited) {
		t.Fatalf("Err() = %v", h.d.Err())
	}
	if _, err := h.d.QR(ctx); !errors.Is(err, ErrBrowserExited) {
		t.Fatalf("call after the exit: %v", err)
	}
}

// TestMinifiedMsgKey: WA ≥ 2.3000.1042401057 drops MsgKey._serialized;
// ids must still come out right.
func TestMinifiedMsgKey(t *testing.T) {
	fw := startFake(t, fakeweb.Options{MinifiedMsgKey: true, UnarchiveOnMessage: true}, fakeweb.Account{Chats: 2, MessagesPerChat: 4})
	h := launch(t, fw, t.TempDir(), Config{})
	h.pairByQR(t)
	ctx := ctxT(t, 10*time.Second)
	msgs, err := h.d.ListMessages(ctx, chatN(0), ListMessagesOptions{})
	if err != nil || len(msgs) != 4 {
		t.Fatalf("messages: %d, %v", len(msgs), err)
	}
	for _, m := range msgs {
		if _, err := ParseMessageID(m.ID); err != nil {
			t.Fatalf("id %q: %v", m.ID, err)
		}
	}
	sent, err := h.d.SendText(ctx, SendTextRequest{ChatID: chatN(1), Text: "x", ReplyTo: msgs[1].ID})
	if err != nil || !strings.HasPrefix(sent.ID, "true_"+chatN(1)+"_3EB0") {
		t.Fatalf("send: %+v, %v", sent, err)
	}
	if got, err := h.d.GetMessage(ctx, sent.ID); err != nil || got.ID != sent.ID {
		t.Fatalf("get: %+v, %v", got, err)
	}
	// With "keep chats archived" off, a new message unarchives the chat.
	if _, err := h.d.ArchiveChat(ctx, chatN(1)); err != nil {
		t.Fatal(err)
	}
	mark := h.ev.mark()
	if _, err := fw.ReceiveMessage(ctx, fakeweb.IncomingMessage{ChatID: chatN(1), Body: "wake up"}); err != nil {
		t.Fatal(err)
	}
	// Our own archive's event may still be on its way: wait for the unarchive.
	unarchive := func(e Event) bool { return isType(EventChatArchive)(e) && !e.Archive.Archived }
	if e := h.ev.wait(t, mark, 5*time.Second, "unarchive", unarchive); e.Archive.ID != chatN(1) {
		t.Fatalf("archive event = %+v", e.Archive)
	}
	// A fresh history sync replaces the data.
	fw.SetAccount(fakeweb.Account{Chats: 7, MessagesPerChat: 1})
	if n, err := fw.Sync(ctx); err != nil || n != 7 {
		t.Fatalf("sync: %d, %v", n, err)
	}
	if chats, err := h.d.ListChats(ctx, ListChatsOptions{}); err != nil || len(chats) != 7 {
		t.Fatalf("chats after sync: %d, %v", len(chats), err)
	}
}

// TestLoadTimeout: a page that never shows WA's loader fails the session
// instead of leaving it STARTING for ever.
func TestLoadTimeout(t *testing.T) {
	fw := startFake(t, fakeweb.Options{VersionDelay: time.Hour}, fakeweb.Account{})
	h := launch(t, fw, t.TempDir(), Config{LoadTimeout: 500 * time.Millisecond})
	ctx := ctxT(t, 10*time.Second)
	e := h.ev.wait(t, 0, 5*time.Second, "failed", isType(EventFailed))
	if !strings.Contains(e.Reason, "did not load") {
		t.Fatalf("reason = %q", e.Reason)
	}
	if st, err := h.d.WaitStatus(ctx, StatusFailed); err != nil || st.Status != StatusFailed {
		t.Fatalf("status = %+v, %v", st, err)
	}
	if _, err := h.d.QR(ctx); !errors.Is(err, ErrNotReady) {
		t.Fatalf("QR on a page that never loaded: %v", err)
	}
}

func TestLaunchConfigErrors(t *testing.T) {
	ctx := ctxT(t, 5*time.Second)
	if _, err := Launch(ctx, Config{BrowserPath: browserPath(t)}); err == nil || !strings.Contains(err.Error(), "ProfileDir") {
		t.Fatalf("missing profile dir: %v", err)
	}
	if _, err := Launch(ctx, Config{ProfileDir: t.TempDir(), BrowserPath: "/nonexistent/chromium"}); err == nil || !strings.Contains(err.Error(), "browser not found") {
		t.Fatalf("missing browser: %v", err)
	}
	if _, err := Launch(ctx, Config{ProfileDir: t.TempDir(), BrowserPath: browserPath(t), ExtraFlags: map[string]any{"disk-cache-size": 1 << 20}}); err == nil || !strings.Contains(err.Error(), "disk-cache-size") {
		t.Fatalf("int flag value: %v", err)
	}
}

// TestSingleProcess: the low-memory mode works end to end.
func TestSingleProcess(t *testing.T) {
	fw := startFake(t, fakeweb.Options{}, fakeweb.Account{Chats: 5, MessagesPerChat: 2})
	h := launch(t, fw, t.TempDir(), Config{SingleProcess: true})
	h.pairByQR(t)
	chats, err := h.d.ListChats(ctxT(t, 5*time.Second), ListChatsOptions{})
	if err != nil || len(chats) != 5 {
		t.Fatalf("chats: %d, %v", len(chats), err)
	}
	m, err := h.d.Memory()
	if err != nil || m.Processes != 1 {
		t.Fatalf("memory = %+v, %v; want one process", m, err)
	}
	logMemory(t, h.d, "single-process")
}
