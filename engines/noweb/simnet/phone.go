package simnet

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/proto/waSyncAction"
	"go.mau.fi/whatsmeow/proto/waWeb"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"
)

// Phone is the primary device (device 0) of a simulated account: an
// ordinary whatsmeow client, so its end-to-end encryption and app-state
// encoding are real. Scripted contacts are phones of other accounts.
type Phone struct {
	srv    *Server
	pn     types.JID
	lid    types.JID
	name   string
	client *whatsmeow.Client
	log    *slog.Logger

	mu      sync.Mutex
	events  []Event
	changed chan struct{} // closed and replaced on every new event
	echo    bool
	// history is what the phone will put in a new companion's history
	// sync: every message it sent or received, per chat.
	history map[types.JID][]*waWeb.WebMessageInfo
	// polls are the options of the polls the phone sent or got, by chat/id.
	polls map[string][]string
}

// AccountInfo describes an account for the control API and tests.
type AccountInfo struct {
	Phone   string   `json:"phone"`
	PN      string   `json:"pn"`
	LID     string   `json:"lid"`
	Name    string   `json:"name"`
	Devices []string `json:"devices"`
}

// CreateAccount registers an account with phone number phone (digits) and
// push name, and connects its phone. It returns once the phone is online.
func (s *Server) CreateAccount(ctx context.Context, phone, name string) (*Phone, error) {
	user := normalizePhone(phone)
	if len(user) < 7 {
		return nil, fmt.Errorf("simnet: phone number %q is too short", phone)
	}
	addr := s.Addr()
	if addr == "" {
		return nil, ErrNotStarted
	}
	s.mu.Lock()
	if s.byPN[user] != nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("%w: %s", ErrAccountExists, user)
	}
	s.nextLID++
	acc := &account{
		pn:       types.NewJID(user, types.DefaultUserServer),
		lid:      types.NewJID(strconv.FormatUint(s.nextLID, 10), types.HiddenUserServer),
		name:     name,
		devices:  map[uint16]*device{},
		appState: map[string][][]byte{},

		receiptBeforeAck: s.opts.ReceiptBeforeAck,
	}
	s.byPN[user] = acc
	s.byLID[acc.lid.User] = acc
	s.mu.Unlock()

	p, err := s.startPhone(ctx, acc, addr)
	if err != nil {
		s.mu.Lock()
		delete(s.byPN, user)
		delete(s.byLID, acc.lid.User)
		s.mu.Unlock()
		return nil, err
	}
	return p, nil
}

func (s *Server) startPhone(ctx context.Context, acc *account, addr string) (*Phone, error) {
	dev := s.container.NewDevice()
	pn := acc.pn
	dev.ID = &pn
	dev.LID = acc.lid
	dev.PushName = acc.name
	account, err := selfSignedPhoneIdentity(dev.IdentityKey)
	if err != nil {
		return nil, err
	}
	dev.Account = account
	if err := dev.Save(ctx); err != nil {
		return nil, fmt.Errorf("simnet: save phone device: %w", err)
	}
	// After Save, which sets the device's stores to the SQL ones.
	dev.PreKeys = newPhonePreKeys(&s.prekeys)
	d0 := &device{
		acc: acc, id: 0, noiseKey: *dev.NoiseKey.Pub, identity: dev.IdentityKey.Pub[:],
		regID:   regIDBytes(dev.RegistrationID),
		skeyID:  []byte{byte(dev.SignedPreKey.KeyID >> 16), byte(dev.SignedPreKey.KeyID >> 8), byte(dev.SignedPreKey.KeyID)},
		skeyPub: dev.SignedPreKey.Pub[:], skeySig: dev.SignedPreKey.Signature[:],
		loggedInOnce: true,
	}
	log := s.log.With("phone", pn.User)
	p := &Phone{
		srv: s, pn: acc.pn, lid: acc.lid, name: acc.name, log: log,
		changed: make(chan struct{}), history: map[types.JID][]*waWeb.WebMessageInfo{},
	}
	s.mu.Lock()
	acc.devices[0] = d0
	acc.phone = p
	s.mu.Unlock()

	p.client = whatsmeow.NewClient(dev, WALogger(log))
	s.mu.Lock()
	h := s.phones.phoneHTTPClient()
	s.mu.Unlock()
	p.client.SetWebsocketHTTPClient(h)
	p.client.SetPreLoginHTTPClient(h)
	p.client.SetMediaHTTPClient(h)
	// The phone's first fetch of each collection is a full sync; it must
	// still report what companions do.
	p.client.EmitAppStateEventsOnFullSync = true
	p.client.AddEventHandler(p.onEvent)
	// The connection lives as long as the server, not as the caller's ctx.
	if err := p.client.ConnectContext(s.ctx); err != nil {
		return nil, fmt.Errorf("simnet: connect phone %s: %w", pn.User, err)
	}
	waitCtx, cancel := context.WithTimeout(ctx, s.opts.RequestTimeout)
	defer cancel()
	if _, err := p.WaitFor(waitCtx, func(e Event) bool { return e.Type == "connected" }); err != nil {
		return nil, fmt.Errorf("simnet: phone %s did not connect: %w", pn.User, err)
	}
	if err := p.initAppState(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

// initAppState creates the account's app-state sync key (companions never
// create keys; the phone shares this one) and seeds every collection with
// one no-op patch. Seeding matters: a companion whose first fetch finds a
// collection empty stays at version 0, and whatsmeow suppresses events on
// the full sync that follows the next change.
func (p *Phone) initAppState(ctx context.Context) error {
	keyID := make([]byte, 6)
	keyData := make([]byte, 32)
	if _, err := rand.Read(keyID[2:]); err != nil {
		return fmt.Errorf("simnet: random key id: %w", err)
	}
	if _, err := rand.Read(keyData); err != nil {
		return fmt.Errorf("simnet: random key: %w", err)
	}
	fp, err := proto.Marshal(&waE2E.AppStateSyncKeyFingerprint{
		RawID: proto.Uint32(1), CurrentIndex: proto.Uint32(0), DeviceIndexes: []uint32{0},
	})
	if err != nil {
		return fmt.Errorf("simnet: marshal key fingerprint: %w", err)
	}
	err = p.client.Store.AppStateKeys.PutAppStateSyncKey(ctx, keyID, store.AppStateSyncKey{
		Data: keyData, Fingerprint: fp, Timestamp: time.Now().UnixMilli(),
	})
	if err != nil {
		return fmt.Errorf("simnet: store app state key: %w", err)
	}
	// A phone's critical_block holds its push name; companions take it from there.
	if err := p.client.SendAppState(ctx, appstate.BuildSettingPushName(p.name)); err != nil {
		return fmt.Errorf("simnet: seed push name: %w", err)
	}
	for _, name := range appstate.AllPatchNames {
		err := p.client.SendAppState(ctx, appstate.PatchInfo{Type: name, Mutations: []appstate.MutationInfo{{
			Index: []string{"simnet_seed"}, Version: 1,
			Value: &waSyncAction.SyncActionValue{Timestamp: proto.Int64(time.Now().UnixMilli())},
		}}})
		if err != nil {
			return fmt.Errorf("simnet: seed app state %s: %w", name, err)
		}
	}
	return nil
}

// greetCompanion does what the primary phone does right after linking a
// device: share the app-state keys, then send the history sync.
func (p *Phone) greetCompanion(ctx context.Context, companion types.JID) {
	ctx, cancel := context.WithTimeout(ctx, p.srv.opts.RequestTimeout)
	defer cancel()
	if err := p.shareAppStateKeys(ctx); err != nil {
		p.log.Error("simnet: app state key share failed", "companion", companion.String(), "err", err)
		return
	}
	if err := p.sendHistorySync(ctx); err != nil {
		p.log.Error("simnet: history sync failed", "companion", companion.String(), "err", err)
	}
}

func (p *Phone) shareAppStateKeys(ctx context.Context) error {
	keyID, err := p.client.Store.AppStateKeys.GetLatestAppStateSyncKeyID(ctx)
	if err != nil || keyID == nil {
		return fmt.Errorf("latest app state key: %w", errors.Join(err, errors.New("no key")))
	}
	key, err := p.client.Store.AppStateKeys.GetAppStateSyncKey(ctx, keyID)
	if err != nil || key == nil {
		return fmt.Errorf("load app state key: %w", errors.Join(err, errors.New("no key")))
	}
	var fp waE2E.AppStateSyncKeyFingerprint
	if err := proto.Unmarshal(key.Fingerprint, &fp); err != nil {
		return fmt.Errorf("unmarshal fingerprint: %w", err)
	}
	msg := &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{
		Type: waE2E.ProtocolMessage_APP_STATE_SYNC_KEY_SHARE.Enum(),
		AppStateSyncKeyShare: &waE2E.AppStateSyncKeyShare{Keys: []*waE2E.AppStateSyncKey{{
			KeyID: &waE2E.AppStateSyncKeyId{KeyID: keyID},
			KeyData: &waE2E.AppStateSyncKeyData{
				KeyData: key.Data, Fingerprint: &fp, Timestamp: proto.Int64(key.Timestamp),
			},
		}}},
	}}
	// A message to our own account fans out to every own device (as a
	// DeviceSentMessage), which is how the companion gets it from device 0.
	if _, err := p.client.SendMessage(ctx, p.pn, msg); err != nil {
		return fmt.Errorf("send key share: %w", err)
	}
	return nil
}

// Client is the phone's whatsmeow client, for anything the helpers below
// do not cover.
func (p *Phone) Client() *whatsmeow.Client { return p.client }

// JID is the account's phone-number JID; LID its LID.
func (p *Phone) JID() types.JID { return p.pn }

// LID is the account's LID JID.
func (p *Phone) LID() types.JID { return p.lid }

// SetEcho turns the echo bot on: every text message someone else sends to
// this account is answered with the same text. Do not enable it on two
// accounts that talk to each other.
func (p *Phone) SetEcho(on bool) {
	p.mu.Lock()
	p.echo = on
	p.mu.Unlock()
}
