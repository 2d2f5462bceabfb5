// Package noweb is the NOWEB engine: one go.mau.fi/whatsmeow client per session,
// speaking WhatsApp's multi-device protocol directly. whatsmeow's device store
// (sqlstore) lives in wagate's own database, and the store records which device
// each session paired (Options.Devices), so a session finds its pairing again
// after a restart.
package noweb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/types"
	waLog "go.mau.fi/whatsmeow/util/log"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/chatstore"
	"github.com/wagate/wagate/engines/noweb/walog"
	"github.com/wagate/wagate/media"
	"github.com/wagate/wagate/netguard"
	"github.com/wagate/wagate/sessions"
)

// linkPreviewTimeout bounds the fetch of one link's preview (page and picture).
const linkPreviewTimeout = 15 * time.Second

// Options configure the NOWEB engine factory.
type Options struct {
	// DB is wagate's database, opened and migrated by store.Open; whatsmeow's
	// tables (whatsmeow_*) are created in it by whatsmeow's migrations.
	DB *sql.DB
	// Dialect is "sqlite" or "postgres" (store.Store.Dialect()).
	Dialect string
	// Devices records which device each session paired
	// (store.Store.NOWEBDevices()).
	Devices Devices
	// Log receives the engine's and whatsmeow's logs. Nil discards.
	Log *slog.Logger
	// PrintQR prints each pairing QR code to the terminal (stdout), of the first
	// PrintQRSessions sessions to show one (0: of every session).
	PrintQR         bool
	PrintQRSessions int
	// StoreEnabled is noweb.store.enabled: keep chats and messages in Chats, which
	// the Chats API is served from. A session's config.noweb.store.enabled
	// overrides it.
	StoreEnabled bool
	// FullSync is noweb.store.fullSync: a session pairing asks for about a year of
	// history (full sync) instead of about three months. A session's
	// config.noweb.store.fullSync turns it on for that session.
	FullSync bool
	// Chats is the store of chats, messages and contacts (store.Store.ChatStore()),
	// which the engine reads; its writes go through Host.Record. Required when any
	// session enables the store.
	Chats chatstore.Store
	// Media keeps the files sessions download (media.url points there) and send;
	// nil: media is neither downloaded nor kept.
	Media *media.Files
	// ConfigureClient, when set, is called on every new whatsmeow client before
	// it connects: a development gateway points its clients at a simulated
	// network with it (simnet.ConfigureClient). Nil in production.
	ConfigureClient func(cli *whatsmeow.Client)
	// Guard decides which hosts the URLs a user names (the links of a text, for
	// their preview) may be fetched from; nil is the default policy (no cloud
	// metadata, no link-local addresses).
	Guard *netguard.Guard
}

// Devices records the whatsmeow device (its JID) each session paired.
type Devices interface {
	// DeviceJID is the device JID recorded for a session; ok is false when it
	// has none.
	DeviceJID(ctx context.Context, session string) (jid string, ok bool, err error)
	// SaveDeviceJID records the device a session paired.
	SaveDeviceJID(ctx context.Context, session, jid string) error
	// ForgetDevice removes a session's record.
	ForgetDevice(ctx context.Context, session string) error
}

// Factory makes NOWEB engines; all of them share one whatsmeow device container.
type Factory struct {
	opts Options
	// http carries every session's media downloads and uploads: one pool of
	// connections to WhatsApp's media hosts for all, and nothing a stopped client
	// leaves open (whatsmeow gives each client a transport of its own otherwise).
	http *http.Client
	// fetch gets the URLs users name (link previews), through the network guard.
	fetch     *http.Client
	log       *slog.Logger
	waLog     waLog.Logger
	container *sqlstore.Container

	qrMu      sync.Mutex
	qrPrinted map[string]bool // the sessions whose QR codes are printed

	// deleted are the devices (JIDs) deleted in this process (guardedContainer).
	deleted sync.Map
}

var _ sessions.Factory = (*Factory)(nil)

// NewFactory opens whatsmeow's device store on opts.DB, running whatsmeow's
// migrations.
func NewFactory(ctx context.Context, opts Options) (sessions.Factory, error) {
	if opts.DB == nil {
		return nil, errors.New("noweb: Options.DB is nil")
	}
	if opts.Devices == nil {
		return nil, errors.New("noweb: Options.Devices is nil")
	}
	var waDialect string
	switch opts.Dialect {
	case "sqlite", "sqlite3":
		opts.Dialect, waDialect = "sqlite", "sqlite3"
	case "postgres", "postgresql":
		opts.Dialect, waDialect = "postgres", "postgres"
	default:
		return nil, fmt.Errorf("noweb: unknown dialect %q (want sqlite or postgres)", opts.Dialect)
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("engine", "NOWEB")
	guard := opts.Guard
	if guard == nil {
		var err error
		if guard, err = netguard.New(netguard.Options{}); err != nil {
			return nil, fmt.Errorf("network guard: %w", err)
		}
	}
	f := &Factory{opts: opts, log: log, waLog: walog.New(log), qrPrinted: map[string]bool{},
		http:  &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()},
		fetch: guard.Client(linkPreviewTimeout)}
	f.container = sqlstore.NewWithDB(opts.DB, waDialect, f.waLog.Sub("store"))
	// On PostgreSQL, wagate's migrations create whatsmeow's version table where
	// whatsmeow's migrator fails to (store/migrations/09_noweb_devices.postgres.sql).
	if err := f.container.Upgrade(ctx); err != nil {
		return nil, fmt.Errorf("noweb: migrate whatsmeow store: %w", err)
	}
	if err := f.warmLIDCache(ctx); err != nil {
		log.Warn("noweb: preload LID mappings", "err", err)
	}
	return f, nil
}

// warmLIDCache reads the stored LID mappings into whatsmeow's cache. Empty after
// a restart, it made every login write its own mapping again, in a transaction
// under one lock all sessions share: on PostgreSQL thousands of restarting
// sessions queued on it. A cached mapping is what a miss would read, so other
// replicas' later writes are still found (the cache is not marked full).
func (f *Factory) warmLIDCache(ctx context.Context) error {
	rows, err := f.opts.DB.QueryContext(ctx, `SELECT pn FROM whatsmeow_lid_map`)
	if err != nil {
		return fmt.Errorf("list LID mappings: %w", err)
	}
	var pns []types.JID
	for rows.Next() {
		var pn string
		if err := rows.Scan(&pn); err != nil {
			rows.Close()
			return fmt.Errorf("list LID mappings: %w", err)
		}
		pns = append(pns, types.JID{User: pn, Server: types.DefaultUserServer})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list LID mappings: %w", err)
	}
	for chunk := range slices.Chunk(pns, 500) {
		if _, err := f.container.LIDMap.GetManyLIDsForPNs(ctx, chunk); err != nil {
			return fmt.Errorf("read %d LID mappings: %w", len(chunk), err)
		}
	}
	return nil
}

// New makes the engine of one session; nothing connects until Start.
func (f *Factory) New(_ context.Context, spec sessions.Spec, host sessions.Host) (engines.Engine, error) {
	e := &Engine{
		f:    f,
		name: spec.Name,
		host: host,
		log:  f.log.With("session", spec.Name),
	}
	enabled := f.opts.StoreEnabled
	if c := spec.Config.NOWEB; c != nil && c.Store != nil && c.Store.Enabled != nil {
		enabled = *c.Store.Enabled
	}
	if enabled {
		if f.opts.Chats == nil {
			return nil, errors.New("noweb: the message store is enabled but the engine was given none (Options.Chats)")
		}
		e.chats = f.opts.Chats
	}
	e.fullSync = f.opts.FullSync
	if c := spec.Config.NOWEB; c != nil && c.Store != nil && c.Store.FullSync {
		e.fullSync = true
	}
	return e, nil
}

// deviceJID is the device JID recorded for a session, if any.
func (f *Factory) deviceJID(ctx context.Context, session string) (types.JID, bool, error) {
	s, ok, err := f.opts.Devices.DeviceJID(ctx, session)
	if err != nil || !ok {
		return types.JID{}, false, err
	}
	jid, err := types.ParseJID(s)
	if err != nil {
		return types.JID{}, false, fmt.Errorf("device of session %q: bad jid %q: %w", session, s, err)
	}
	return jid, true, nil
}

// saveDeviceJID records the device a session paired.
func (f *Factory) saveDeviceJID(ctx context.Context, session string, jid types.JID) error {
	return f.opts.Devices.SaveDeviceJID(ctx, session, jid.String())
}

// forgetDevice removes a session's device record.
func (f *Factory) forgetDevice(ctx context.Context, session string) error {
	return f.opts.Devices.ForgetDevice(ctx, session)
}

// storedDevice is the paired device of a session, or nil when it has none (never
// paired, logged out, or its keys are gone).
func (f *Factory) storedDevice(ctx context.Context, session string) (*store.Device, error) {
	jid, ok, err := f.deviceJID(ctx, session)
	if err != nil || !ok {
		return nil, err
	}
	dev, err := f.container.GetDevice(ctx, jid)
	if err != nil {
		return nil, fmt.Errorf("load device %s of session %q: %w", jid, session, err)
	}
	if dev != nil {
		f.guardDevice(dev)
	}
	if dev == nil {
		f.log.Warn("device keys of session are gone; it must pair again", "session", session, "jid", jid)
		if err := f.forgetDevice(ctx, session); err != nil {
			return nil, err
		}
	}
	return dev, nil
}

// printsQR reports whether session's QR codes go to the terminal: PrintQR, and
// the session is one of the first PrintQRSessions to show one. Printing every
// code of thousands of sessions pairing is megabytes of terminal text nobody
// scans; the API serves them (GET /api/{session}/auth/qr).
func (f *Factory) printsQR(session string) bool {
	if !f.opts.PrintQR {
		return false
	}
	f.qrMu.Lock()
	defer f.qrMu.Unlock()
	if f.qrPrinted[session] {
		return true
	}
	if limit := f.opts.PrintQRSessions; limit > 0 && len(f.qrPrinted) >= limit {
		if len(f.qrPrinted) == limit {
			f.qrPrinted[""] = true // say it once
			f.log.Info(fmt.Sprintf("QR codes of more than %d sessions are not printed (engines.noweb.printQRSessions); get them from GET /api/{session}/auth/qr", limit))
		}
		return false
	}
	f.qrPrinted[session] = true
	return true
}

// guardDevice routes dev's saves and deletion through guardedContainer. Call it
// before dev's client runs (a loaded device) or where whatsmeow has just set its
// container (PairSuccess, right after the pairing saved the device).
func (f *Factory) guardDevice(dev *store.Device) {
	if _, ok := dev.Container.(guardedContainer); ok || dev.Container == nil {
		return
	}
	dev.Container = guardedContainer{DeviceContainer: dev.Container, deleted: &f.deleted}
}

// guardedContainer refuses to save a device that was deleted. whatsmeow saves
// the device from background work (a push name from the app-state sync, a LID
// migration) that can outlive the client's Disconnect; a session stopped and then
// logged out had its deleted device row written back that way, keys and all.
type guardedContainer struct {
	store.DeviceContainer
	deleted *sync.Map
}

func (c guardedContainer) PutDevice(ctx context.Context, d *store.Device) error {
	if d.ID != nil {
		if _, gone := c.deleted.Load(d.ID.String()); gone {
			return fmt.Errorf("device %s was logged out; not saving it again", d.ID)
		}
	}
	return c.DeviceContainer.PutDevice(ctx, d)
}

func (c guardedContainer) DeleteDevice(ctx context.Context, d *store.Device) error {
	if d.ID != nil {
		c.deleted.Store(d.ID.String(), struct{}{})
	}
	return c.DeviceContainer.DeleteDevice(ctx, d)
}
