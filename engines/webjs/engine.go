package webjs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/sessions"
)

// page is what the engine uses of a Driver; unit tests give it a fake.
type browserPage interface {
	Events() <-chan Event
	Died() <-chan struct{}
	Err() error
	Close() error
	Status() StatusInfo
	WaitStatus(ctx context.Context, want ...Status) (StatusInfo, error)
	Screenshot(ctx context.Context) ([]byte, error)
	Memory() (MemoryUsage, error)
	BrowserPID() int

	RequestPairingCode(ctx context.Context, phone string) (string, error)
	Logout(ctx context.Context) error

	ListChats(ctx context.Context, opts ListChatsOptions) ([]Chat, error)
	ChatsOverview(ctx context.Context, opts OverviewOptions) ([]ChatSummary, error)
	ChatPicture(ctx context.Context, chatID string) (string, error)
	ArchiveChat(ctx context.Context, chatID string) (Chat, error)
	UnarchiveChat(ctx context.Context, chatID string) (Chat, error)
	MarkChatUnread(ctx context.Context, chatID string) (Chat, error)
	DeleteChat(ctx context.Context, chatID string) error
	ClearMessages(ctx context.Context, chatID string) error
	ReadMessages(ctx context.Context, chatID string, opts ReadOptions) ([]string, error)

	ListMessages(ctx context.Context, chatID string, opts ListMessagesOptions) ([]Message, error)
	ListAllMessages(ctx context.Context, opts ListMessagesOptions) ([]Message, error)
	GetMessage(ctx context.Context, msgID string) (Message, error)
	EditMessage(ctx context.Context, msgID, text string) (Message, error)
	RevokeMessage(ctx context.Context, msgID string) (Message, error)
	PinMessage(ctx context.Context, msgID string, duration time.Duration) error
	UnpinMessage(ctx context.Context, msgID string) error
	SendText(ctx context.Context, req SendTextRequest) (Message, error)
	DownloadMedia(ctx context.Context, msgID string) (Media, error)
	SendMedia(ctx context.Context, req SendMediaRequest, beforeSend func(messageID string)) (Message, error)

	chattingPage
}

// chattingPage is the page's part of the Chatting tag beyond text (ops_chatting.go).
type chattingPage interface {
	NewMessageID(ctx context.Context) (string, error)
	SendLocation(ctx context.Context, req LocationRequest) (Message, error)
	SendContacts(ctx context.Context, req ContactsRequest) (Message, error)
	SendPoll(ctx context.Context, req PollRequest) (Message, error)
	VotePoll(ctx context.Context, pollID string, votes []string) error
	ForwardMessage(ctx context.Context, chatID, msgID string) (Message, error)
	React(ctx context.Context, msgID, emoji string) error
	StarMessage(ctx context.Context, msgID string, star bool) error
	SendSeen(ctx context.Context, chatID string) ([]string, error)
	SetTyping(ctx context.Context, chatID string, typing bool) error
}

var _ browserPage = (*Driver)(nil)

// logoutWait bounds how long logging out a stopped session waits for its
// page to come up, so the device can be unlinked from the phone too.
const logoutWait = 30 * time.Second

// Engine is one session on WhatsApp Web: one Chromium, one tab.
type Engine struct {
	f       *Factory
	name    string
	host    sessions.Host
	log     *slog.Logger
	profile string // Chromium user data dir: the pairing lives here

	mu         sync.Mutex
	pg         browserPage
	gen        int // run of the browser; events of older runs are ignored
	me         *engines.MeInfo
	loggingOut bool // our own Logout: its logged_out event is no failure
}

var (
	_ engines.Engine        = (*Engine)(nil)
	_ engines.Screenshotter = (*Engine)(nil)
	_ engines.Informer      = (*Engine)(nil)
)

// Start launches Chromium on WhatsApp Web and returns once the page is
// loading; pairing and login go on in the background, reported through
// the Host as the page's events arrive.
func (e *Engine) Start(ctx context.Context) error {
	e.mu.Lock()
	if e.pg != nil {
		e.mu.Unlock()
		return nil
	}
	e.mu.Unlock()
	e.host.SetStatus(engines.StatusStarting, "")
	pg, err := e.f.launch(ctx, e.f.config(e))
	var le *LaunchError
	if errors.As(err, &le) {
		// It would fail the same way again: say why once and wait for the operator.
		e.host.Failed(le, false)
		return nil
	}
	if err != nil {
		return fmt.Errorf("launch chromium for session %s: %w", e.name, err)
	}
	e.mu.Lock()
	e.gen++
	gen := e.gen
	e.pg, e.loggingOut = pg, false
	e.mu.Unlock()
	go e.watch(gen, pg)
	return nil
}

// current returns the page of run gen, or nil when that run is over.
func (e *Engine) current(gen int) browserPage {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.gen != gen {
		return nil
	}
	return e.pg
}

// running is the page of the current run, or an error saying the session
// is not running.
func (e *Engine) running() (browserPage, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.pg == nil {
		return nil, &engines.NotWorkingError{Session: e.name, Status: engines.StatusStopped, Expected: []engines.Status{engines.StatusWorking}}
	}
	return e.pg, nil
}

// status is the page's status in the gateway's terms.
func (e *Engine) status() engines.Status {
	e.mu.Lock()
	pg := e.pg
	e.mu.Unlock()
	if pg == nil {
		return engines.StatusStopped
	}
	return engines.Status(pg.Status().Status)
}

// teardown closes the browser of run gen if it is still the current one.
func (e *Engine) teardown(gen int) {
	e.mu.Lock()
	if e.gen != gen || e.pg == nil {
		e.mu.Unlock()
		return
	}
	pg := e.pg
	e.pg = nil
	e.gen++
	e.mu.Unlock()
	if err := pg.Close(); err != nil {
		e.log.Warn("close chromium", "err", err)
	}
}

// Stop closes the browser, keeping the profile and with it the pairing.
func (e *Engine) Stop(context.Context) error {
	e.mu.Lock()
	gen := e.gen
	e.mu.Unlock()
	e.teardown(gen)
	return nil
}

// Logout unlinks the device (through the page, so the phone forgets it
// too) and deletes the profile with its keys. A stopped session is started
// just long enough to do so; if its page does not come up, the profile is
// deleted anyway and the phone keeps listing the device until it expires.
func (e *Engine) Logout(ctx context.Context) error {
	e.mu.Lock()
	pg, gen := e.pg, e.gen
	e.loggingOut = true
	e.mu.Unlock()
	var errs []error
	if pg == nil {
		if _, err := os.Stat(e.profile); err == nil {
			lctx, cancel := context.WithTimeout(ctx, logoutWait)
			p, err := e.f.launch(lctx, e.f.config(e))
			if err == nil {
				if _, err := p.WaitStatus(lctx, StatusWorking, StatusScanQR); err != nil {
					errs = append(errs, fmt.Errorf("wait for the page to unlink the device: %w", err))
				} else if p.Status().Status == StatusWorking {
					if err := p.Logout(lctx); err != nil {
						errs = append(errs, fmt.Errorf("unlink device: %w", err))
					}
				}
				_ = p.Close()
			} else {
				errs = append(errs, fmt.Errorf("launch chromium to unlink the device: %w", err))
			}
			cancel()
		}
	} else {
		if pg.Status().Status == StatusWorking {
			if err := pg.Logout(ctx); err != nil {
				errs = append(errs, fmt.Errorf("unlink device: %w", err))
			}
		}
		e.teardown(gen)
	}
	// The browser is closed: nothing holds the profile any more.
	if err := os.RemoveAll(e.profile); err != nil {
		errs = append(errs, fmt.Errorf("delete chromium profile: %w", err))
	}
	e.mu.Lock()
	e.me = nil
	e.mu.Unlock()
	if len(errs) > 0 {
		return fmt.Errorf("log out session %s: %w", e.name, errors.Join(errs...))
	}
	return nil
}

// Me is the paired account as the page last reported it.
func (e *Engine) Me(context.Context) (*engines.MeInfo, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.me == nil {
		return nil, nil
	}
	me := *e.me
	return &me, nil
}

// QR is the code the page shows now.
func (e *Engine) QR(context.Context) (engines.QR, error) {
	pg, err := e.running()
	if err != nil {
		return engines.QR{}, err
	}
	st := pg.Status()
	if st.Status != StatusScanQR || st.QR == "" {
		return engines.QR{}, engines.ErrNoQR
	}
	return engines.QR{Value: st.QR}, nil
}

// RequestCode asks WhatsApp Web for a pairing code for phone, shown as
// ABCD-EFGH; the page renews it while unpaired.
func (e *Engine) RequestCode(ctx context.Context, phone string) (string, error) {
	pg, err := e.running()
	if err != nil {
		return "", err
	}
	code, err := pg.RequestPairingCode(ctx, phone)
	if err != nil {
		return "", e.mapErr("request pairing code", err)
	}
	return FormatPairingCode(code), nil
}

// Screenshot is a PNG of the page.
func (e *Engine) Screenshot(ctx context.Context) ([]byte, error) {
	pg, err := e.running()
	if err != nil {
		return nil, err
	}
	png, err := pg.Screenshot(ctx)
	return png, e.mapErr("screenshot", err)
}

// Info shows the browser's process and memory in the session info. PSS
// is the figure to add up across sessions; RSS double-counts the pages
// Chromium's processes share.
func (e *Engine) Info(context.Context) map[string]any {
	e.mu.Lock()
	pg := e.pg
	e.mu.Unlock()
	if pg == nil {
		return nil
	}
	info := map[string]any{"browser": map[string]any{"pid": pg.BrowserPID()}}
	if m, err := pg.Memory(); err == nil {
		info["memory"] = map[string]any{
			"pss": m.PSS, "rss": m.RSS, "peakRss": m.PeakRSS, "processes": m.Processes,
		}
	}
	return info
}
