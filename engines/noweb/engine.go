package noweb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/skip2/go-qrcode"
	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/chatstore"
	"github.com/wagate/wagate/engines/noweb/walog"
	"github.com/wagate/wagate/sessions"
)

// pairCodeWait bounds how long RequestCode waits for the pairing connection.
const pairCodeWait = 30 * time.Second

// Engine is one session's whatsmeow client.
type Engine struct {
	f    *Factory
	name string
	host sessions.Host
	log  *slog.Logger
	// chats is the session's store of chats, messages and contacts, read here and
	// written through host.Record; nil when noweb.store.enabled is off.
	chats chatstore.Store
	// fullSync is noweb.store.fullSync: pairing asks the phone for about a year
	// of history instead of about three months.
	fullSync bool
	// contactsSeen remembers the message senders already saved as they are, so a
	// chat's every message does not write its contact again.
	contactsSeen sync.Map

	mu        sync.Mutex
	cli       *whatsmeow.Client
	handlerID uint32
	cancel    context.CancelFunc
	closing   func() // quiets the client's logger before it is told to disconnect
	gen       int    // run of the client; events of older runs are ignored
	qr        string
	qrReady   chan struct{} // closed once the first QR code arrived (registration connection up)
	qrOnce    *sync.Once
	me        *engines.MeInfo
	pictures  map[string]cachedPicture // chat id → picture URL, for pictureTTL
	// blocked is the account's blocklist by WAHA id, nil until fetched this run.
	blocked map[string]bool
	// presences is what the session knows of others' presence, by chat.
	presences map[string]*chatPresence
	// online is the presence the session last sent (offline until it says).
	online bool
}

var _ engines.Engine = (*Engine)(nil)

// Start opens the session's device (or a new one), connects, and returns once the
// connection is up; pairing and login go on in the background.
func (e *Engine) Start(ctx context.Context) error {
	e.mu.Lock()
	if e.cli != nil {
		e.mu.Unlock()
		return nil
	}
	e.mu.Unlock()

	dev, err := e.f.storedDevice(ctx, e.name)
	if err != nil {
		return err
	}
	if dev == nil {
		dev = e.f.container.NewDevice()
	}
	wl, closing := walog.NewClosing(e.log)
	cli := whatsmeow.NewClient(dev, wl)
	cli.EnableAutoReconnect = true
	cli.ManualHistorySyncDownload = true
	// Ack to WhatsApp only once our handler has stored the event: a crash or a
	// failed write means WhatsApp delivers it again. Decrypting advances the
	// Signal session, so the copy delivered again could not be decrypted: the
	// buffer keeps the plaintext until the handler has succeeded.
	cli.SynchronousAck = true
	cli.EnableDecryptedEventBuffer = true
	// The first sync of each app-state collection is a full one; its archive, pin,
	// mute and read states belong in the store too.
	cli.EmitAppStateEventsOnFullSync = true
	requestHistory(cli, e.fullSync)
	cli.SetMediaHTTPClient(e.f.http)
	if configure := e.f.opts.ConfigureClient; configure != nil {
		configure(cli)
	}
	// With replicas, a replica past its lease deadline must not reconnect the
	// device another one may run by now, even from whatsmeow's own reconnects.
	if g, ok := e.host.(sessions.ConnectGuard); ok {
		cli.PreConnectHook = g.MayConnect
	}
	runCtx, cancel := context.WithCancel(context.Background())

	e.mu.Lock()
	e.gen++
	gen := e.gen
	e.cli, e.cancel, e.closing = cli, cancel, closing
	e.qr = ""
	e.blocked, e.presences, e.online = nil, nil, false
	e.qrReady = make(chan struct{})
	e.qrOnce = &sync.Once{}
	e.handlerID = cli.AddEventHandlerWithSuccessStatus(func(evt any) bool { return e.onEvent(gen, cli, evt) })
	e.mu.Unlock()

	e.host.SetStatus(engines.StatusStarting, "")
	if dev.ID == nil {
		qrs, err := cli.GetQRChannel(runCtx)
		if err != nil {
			e.teardown(gen)
			return fmt.Errorf("open QR channel: %w", err)
		}
		go e.watchQR(gen, qrs)
	} else {
		e.setMe(gen, cli)
	}
	if err := cli.Connect(); err != nil {
		e.teardown(gen)
		return fmt.Errorf("connect: %w", err)
	}
	return nil
}

// current reports whether gen is still the running client.
func (e *Engine) current(gen int) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.gen == gen && e.cli != nil
}

// teardown disconnects the client of run gen, if it is still the current one.
func (e *Engine) teardown(gen int) *whatsmeow.Client {
	e.mu.Lock()
	if e.gen != gen || e.cli == nil {
		e.mu.Unlock()
		return nil
	}
	cli, id, cancel, closing := e.cli, e.handlerID, e.cancel, e.closing
	e.cli, e.cancel, e.closing, e.qr = nil, nil, nil, ""
	e.gen++
	e.mu.Unlock()
	closing()
	cancel()
	cli.RemoveEventHandler(id)
	cli.Disconnect()
	return cli
}

// Stop disconnects, keeping the device and its keys.
func (e *Engine) Stop(context.Context) error {
	e.mu.Lock()
	gen := e.gen
	e.mu.Unlock()
	e.teardown(gen)
	return nil
}

// Logout unlinks the device from the account when connected, then deletes its keys
// and the session's device record. An engine that was never started only deletes
// the local keys.
func (e *Engine) Logout(ctx context.Context) error {
	e.mu.Lock()
	cli, gen := e.cli, e.gen
	e.mu.Unlock()
	var dev *store.Device
	var errs []error
	if cli != nil {
		dev = cli.Store
		if cli.IsLoggedIn() {
			if err := cli.Logout(ctx); err != nil {
				errs = append(errs, fmt.Errorf("unlink device: %w", err))
			}
		}
		e.teardown(gen)
	} else {
		var err error
		if dev, err = e.f.storedDevice(ctx, e.name); err != nil {
			errs = append(errs, err)
		}
	}
	if dev != nil && dev.ID != nil {
		if err := dev.Delete(ctx); err != nil {
			errs = append(errs, fmt.Errorf("delete device keys: %w", err))
		}
	}
	if err := e.f.forgetDevice(ctx, e.name); err != nil {
		errs = append(errs, err)
	}
	// The account's chats, messages and contacts leave with it; the next pairing
	// may be another account.
	if e.chats != nil {
		if err := e.chats.DeleteSessionData(ctx, e.name); err != nil {
			errs = append(errs, err)
		}
		e.contactsSeen.Clear()
	}
	e.mu.Lock()
	e.me = nil
	e.mu.Unlock()
	return errors.Join(errs...)
}

// Me is the paired account, or nil before pairing.
func (e *Engine) Me(ctx context.Context) (*engines.MeInfo, error) {
	e.mu.Lock()
	me, cli := e.me, e.cli
	e.mu.Unlock()
	if me != nil {
		c := *me
		return &c, nil
	}
	if cli != nil {
		return meOf(cli.Store), nil
	}
	dev, err := e.f.storedDevice(ctx, e.name)
	if err != nil {
		return nil, err
	}
	return meOf(dev), nil
}

// meOf describes a paired device as WAHA does, nil when it is not paired.
func meOf(dev *store.Device) *engines.MeInfo {
	if dev == nil || dev.ID == nil {
		return nil
	}
	me := &engines.MeInfo{
		ID:       dev.ID.User + "@" + engines.ServerUser,
		PushName: dev.PushName,
		JID:      dev.ID.String(),
	}
	if !dev.LID.IsEmpty() {
		me.LID = dev.LID.User + "@" + engines.ServerLID
	}
	return me
}

func (e *Engine) setMe(gen int, cli *whatsmeow.Client) {
	me := meOf(cli.Store)
	e.mu.Lock()
	if e.gen != gen {
		e.mu.Unlock()
		return
	}
	same := me != nil && e.me != nil && *me == *e.me
	e.me = me
	e.mu.Unlock()
	if !same {
		e.host.SetMe(me)
	}
}

// QR is the code to scan right now.
func (e *Engine) QR(context.Context) (engines.QR, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.qr == "" {
		return engines.QR{}, engines.ErrNoQR
	}
	return engines.QR{Value: e.qr}, nil
}

// RequestCode asks WhatsApp for a pairing code for phone, to be typed on the phone.
func (e *Engine) RequestCode(ctx context.Context, phone string) (string, error) {
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, phone)
	if len(digits) < 5 {
		return "", fmt.Errorf("invalid phone number %q", phone)
	}
	e.mu.Lock()
	cli, ready := e.cli, e.qrReady
	e.mu.Unlock()
	if cli == nil {
		return "", errors.New("session is not started")
	}
	if cli.Store.ID != nil {
		return "", errors.New("session is already paired")
	}
	// PairPhone needs the registration connection; the first QR code proves it is up.
	wait, cancel := context.WithTimeout(ctx, pairCodeWait)
	defer cancel()
	select {
	case <-ready:
	case <-wait.Done():
		return "", fmt.Errorf("waiting for the pairing connection: %w", wait.Err())
	}
	code, err := cli.PairPhone(ctx, digits, true, whatsmeow.PairClientChrome, "Chrome (Linux)")
	if err != nil {
		return "", fmt.Errorf("request pairing code: %w", err)
	}
	return code, nil
}

// watchQR follows the QR channel of run gen until pairing ends.
func (e *Engine) watchQR(gen int, qrs <-chan whatsmeow.QRChannelItem) {
	for item := range qrs {
		if !e.current(gen) {
			continue // drain
		}
		switch {
		case item.Event == whatsmeow.QRChannelEventCode:
			e.mu.Lock()
			e.qr = item.Code
			once, ready := e.qrOnce, e.qrReady
			e.mu.Unlock()
			once.Do(func() { close(ready) })
			if e.f.printsQR(e.name) {
				e.printQR(item.Code)
			}
			e.host.NewQR()
		case item == whatsmeow.QRChannelSuccess:
			e.clearQR(gen)
		case item == whatsmeow.QRChannelTimeout:
			e.clearQR(gen)
			if e.teardown(gen) != nil {
				e.host.Failed(errors.New("QR code was not scanned in time; start the session again to get a new one"), false)
			}
		case item.Event == whatsmeow.QRChannelEventError:
			e.clearQR(gen)
			if e.teardown(gen) != nil {
				e.host.Failed(fmt.Errorf("pairing failed: %w", item.Error), false)
			}
		case item == whatsmeow.QRChannelErrUnexpectedEvent:
			// Connected or a failure arrived: the event handler deals with it.
			e.clearQR(gen)
		default:
			e.clearQR(gen)
			if e.teardown(gen) != nil {
				e.host.Failed(fmt.Errorf("pairing failed: %s", item.Event), false)
			}
		}
	}
}

func (e *Engine) clearQR(gen int) {
	e.mu.Lock()
	if e.gen == gen {
		e.qr = ""
	}
	e.mu.Unlock()
}

func (e *Engine) printQR(code string) {
	q, err := qrcode.New(code, qrcode.Low)
	if err != nil {
		e.log.Warn("render QR code", "err", err)
		return
	}
	fmt.Fprintf(os.Stdout, "Session %q: scan this QR code with WhatsApp (Linked devices):\n%s\n", e.name, q.ToSmallString(false))
}

// onEvent maps whatsmeow's connection events of run gen to session statuses and
// hands the rest to ingest. false makes whatsmeow withhold the event's ack.
func (e *Engine) onEvent(gen int, cli *whatsmeow.Client, evt any) bool {
	if !e.current(gen) {
		return true
	}
	switch v := evt.(type) {
	case *events.PairSuccess:
		e.clearQR(gen)
		// The pairing has just saved the device, setting its container; nothing
		// else of this client runs yet.
		e.f.guardDevice(cli.Store)
		if err := e.f.saveDeviceJID(context.Background(), e.name, v.ID); err != nil {
			e.log.Error("remember paired device", "err", err)
		}
		e.log.Info("paired", "jid", v.ID, "lid", v.LID, "platform", v.Platform)
		e.setMe(gen, cli)
	case *events.Connected:
		e.clearQR(gen)
		if id := cli.Store.ID; id != nil {
			// Also covers devices paired before this table existed.
			if err := e.f.saveDeviceJID(context.Background(), e.name, *id); err != nil {
				e.log.Error("remember device", "err", err)
			}
		}
		e.setMe(gen, cli)
		e.host.SetStatus(engines.StatusWorking, "")
		go e.syncGroups(gen, cli)
	case *events.PushNameSetting:
		e.setMe(gen, cli)
	case *events.KeepAliveRestored:
		if cli.IsLoggedIn() {
			e.host.SetStatus(engines.StatusWorking, "")
		}
	case *events.Disconnected, *events.KeepAliveTimeout:
		// Before pairing the QR channel reports the disconnect; after it whatsmeow
		// reconnects by itself. Among thousands of sessions the one that dropped
		// says so, and why, at warn.
		if cli.Store.ID != nil {
			why := "the connection to WhatsApp was lost; reconnecting"
			if ka, ok := v.(*events.KeepAliveTimeout); ok {
				why = fmt.Sprintf("WhatsApp has not answered keepalives since %s (%d missed); reconnecting", ka.LastSuccess.Format(time.RFC3339), ka.ErrorCount)
			}
			e.log.Warn(why)
			e.host.SetStatus(engines.StatusStarting, why)
		}
	case *events.LoggedOut:
		// whatsmeow deletes the device keys itself.
		reason := "the device was logged out from the phone"
		if v.OnConnect {
			reason += " (" + v.Reason.String() + ")"
		}
		e.fail(gen, errors.New(reason), false, true)
	case *events.StreamReplaced:
		e.fail(gen, errors.New("another client connected with this session's device; stopped to avoid a reconnect loop"), false, false)
	case *events.TemporaryBan:
		e.fail(gen, fmt.Errorf("temporarily banned: %s", v.String()), false, false)
	case *events.ClientOutdated:
		e.fail(gen, errors.New("WhatsApp says this client version is outdated; upgrade whatsmeow"), false, false)
	case *events.ConnectFailure:
		e.fail(gen, fmt.Errorf("connect failure: %s %s", v.Reason.String(), v.Message), true, false)
	default:
		evt, err := downloadedHistory(context.Background(), cli, evt)
		if err != nil {
			e.log.Error("WhatsApp will deliver the history sync again", "err", err)
			return false
		}
		if err := e.ingest(cli, evt); err != nil {
			if errors.Is(err, sessions.ErrStale) {
				// Stopped while handling it: nothing is recorded, and the next
				// login gets it again. Not a failure.
				e.log.Debug("event after the session stopped; WhatsApp will deliver it again", "event", fmt.Sprintf("%T", evt))
				return false
			}
			e.log.Error("store event; WhatsApp will deliver it again", "event", fmt.Sprintf("%T", evt), "err", err)
			return false
		}
		// After the chats the event creates exist, so the contacts name them too.
		if err := e.ingestContacts(context.Background(), cli, evt); err != nil {
			e.log.Error("store contacts; WhatsApp will deliver the event again", "event", fmt.Sprintf("%T", evt), "err", err)
			return false
		}
	}
	return true
}

// fail reports a broken run; forget also drops the session's device record.
// The client is torn down off the event goroutine: whatsmeow is still inside
// its handler.
func (e *Engine) fail(gen int, err error, retry, forget bool) {
	if forget {
		if ferr := e.f.forgetDevice(context.Background(), e.name); ferr != nil {
			e.log.Error("forget device", "err", ferr)
		}
		e.mu.Lock()
		if e.gen == gen {
			e.me = nil
		}
		e.mu.Unlock()
		e.host.SetMe(nil)
	}
	e.host.Failed(err, retry)
	go e.teardown(gen)
}
