package simnet

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/coder/websocket"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/proto/waCompanionReg"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/util/keys"
	"golang.org/x/crypto/curve25519"
	"google.golang.org/protobuf/proto"
)

// registration is what a not-yet-paired companion told us in its
// ClientPayload: enough to register it and serve a prekey bundle.
type registration struct {
	refs     []string
	noiseKey [32]byte
	identity []byte
	regID    []byte
	skeyID   []byte
	skeyPub  []byte
	skeySig  []byte
	// props is the companion's DeviceProps as it sent them (protobuf): its OS
	// name and the history it asks the phone for.
	props []byte
}

// codePair is a companion that asked to pair by phone code.
type codePair struct {
	conn          *conn
	ref           string
	wrappedEph    []byte
	primaryEph    *keys.KeyPair
	companionEph  []byte
	phoneIdentity *keys.KeyPair
	finished      chan []byte // receives the ADV secret after companion_finish
}

// startRegistration offers QR refs to a companion that connected with a
// registration payload.
func (s *Server) startRegistration(c *conn) error {
	pd := c.payload.GetDevicePairingData()
	reg := &registration{
		noiseKey: c.clientStatic,
		identity: pd.GetEIdent(),
		regID:    pd.GetERegid(),
		skeyID:   pd.GetESkeyID(),
		skeyPub:  pd.GetESkeyVal(),
		skeySig:  pd.GetESkeySig(),
		props:    pd.GetDeviceProps(),
	}
	refNodes := make([]waBinary.Node, 6)
	s.mu.Lock()
	for i := range refNodes {
		ref := "simnet-ref-" + newID()
		reg.refs = append(reg.refs, ref)
		s.refs[ref] = c
		refNodes[i] = waBinary.Node{Tag: "ref", Content: []byte(ref)}
	}
	c.reg = reg
	s.mu.Unlock()
	c.log = s.log.With("pairing", reg.refs[0])
	// Not requestIQ: the read loop that would deliver the answer has not
	// started yet, and the answer (an empty result) carries nothing we need.
	return c.send(waBinary.Node{Tag: "iq", Attrs: waBinary.Attrs{
		"id": newID(), "from": types.ServerJID, "type": "set", "xmlns": "md", "t": now(),
	}, Content: []waBinary.Node{{Tag: "pair-device", Content: refNodes}}})
}

// QRCode is a parsed whatsmeow QR string: REF,NOISE,IDENTITY,ADV.
type QRCode struct {
	Ref       string
	NoiseKey  []byte
	Identity  []byte
	AdvSecret []byte
}

// ParseQR parses the string whatsmeow emits in events.QR (both the
// "REF,NOISE,IDENTITY,ADV" form and the newer wa.me URL form).
func ParseQR(qr string) (QRCode, error) {
	if i := strings.LastIndex(qr, "#"); i >= 0 {
		qr = qr[i+1:]
	}
	parts := strings.Split(qr, ",")
	if len(parts) < 4 {
		return QRCode{}, fmt.Errorf("simnet: QR string has %d parts, want at least 4", len(parts))
	}
	var out QRCode
	out.Ref = parts[0]
	for i, dst := range []*[]byte{&out.NoiseKey, &out.Identity, &out.AdvSecret} {
		b, err := base64.StdEncoding.DecodeString(parts[i+1])
		if err != nil {
			return QRCode{}, fmt.Errorf("simnet: QR part %d: %w", i+1, err)
		}
		*dst = b
	}
	return out, nil
}

// ScanQR makes phone's account link the companion that shows qr, as the
// phone's camera would. It returns the new device's JID once the companion
// has accepted the pairing (it then reconnects and logs in by itself).
func (s *Server) ScanQR(ctx context.Context, phone, qr string) (types.JID, error) {
	code, err := ParseQR(qr)
	if err != nil {
		return types.JID{}, err
	}
	acc, err := s.accountByPhone(phone)
	if err != nil {
		return types.JID{}, err
	}
	s.mu.Lock()
	c := s.refs[code.Ref]
	s.mu.Unlock()
	if c == nil {
		return types.JID{}, fmt.Errorf("%w (ref %q)", ErrNoPendingPair, code.Ref)
	}
	if string(code.NoiseKey) != string(c.clientStatic[:]) {
		return types.JID{}, errors.New("simnet: QR noise key does not match the waiting connection")
	}
	return s.completePairing(ctx, acc, c, code.AdvSecret)
}

// completePairing sends pair-success to a registering companion, waits for
// its signature, records the device and sends it off to log in.
func (s *Server) completePairing(ctx context.Context, acc *account, c *conn, advSecret []byte) (types.JID, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.RequestTimeout)
	defer cancel()
	s.mu.Lock()
	phone, reg := acc.phone, c.reg
	if phone == nil || reg == nil {
		s.mu.Unlock()
		return types.JID{}, errors.New("simnet: account has no phone or connection is not registering")
	}
	acc.nextDevice++
	acc.nextKeyIndex++
	devID, keyIndex := acc.nextDevice, acc.nextKeyIndex
	pn, lid := acc.pn, acc.lid
	s.mu.Unlock()
	pn.Device, lid.Device = devID, devID

	signed, err := signDeviceIdentity(phone.client.Store.IdentityKey, reg.identity, keyIndex)
	if err != nil {
		return types.JID{}, err
	}
	container, err := wrapDeviceIdentity(signed, advSecret)
	if err != nil {
		return types.JID{}, err
	}
	resp, err := s.requestIQ(ctx, c, waBinary.Node{Tag: "iq", Attrs: waBinary.Attrs{
		"from": types.ServerJID, "type": "set", "xmlns": "md", "t": now(),
	}, Content: []waBinary.Node{{Tag: "pair-success", Content: []waBinary.Node{
		{Tag: "device-identity", Attrs: waBinary.Attrs{"key-index": fmt.Sprint(keyIndex)}, Content: container},
		{Tag: "device", Attrs: waBinary.Attrs{"jid": pn, "lid": lid}},
		{Tag: "platform", Attrs: waBinary.Attrs{"name": "android"}},
	}}}})
	if err != nil {
		return types.JID{}, fmt.Errorf("simnet: pair-success: %w", err)
	}
	if strAttr(resp, "type") != "result" {
		return types.JID{}, fmt.Errorf("simnet: companion rejected pairing: %s", resp.XMLString())
	}
	dev := &device{
		acc: acc, id: devID, noiseKey: reg.noiseKey, identity: reg.identity, regID: reg.regID,
		skeyID: reg.skeyID, skeyPub: reg.skeyPub, skeySig: reg.skeySig, keyIndex: keyIndex,
		props: reg.props, pendingLinked: true,
	}
	s.mu.Lock()
	acc.devices[devID] = dev
	for _, ref := range reg.refs {
		delete(s.refs, ref)
	}
	s.mu.Unlock()
	s.notifyDevicesChanged(acc)
	// 515 tells whatsmeow to reconnect, now with a login payload. The
	// client closes the socket itself; closing it here first would make it
	// log a read error. The timer only reaps a client that never does.
	_ = c.send(waBinary.Node{Tag: "stream:error", Attrs: waBinary.Attrs{"code": "515"}})
	time.AfterFunc(s.opts.RequestTimeout, func() { c.close(websocket.StatusNormalClosure, "restart required") })
	s.log.Info("simnet: companion paired", "device", pn.String(), "lid", lid.String())
	return pn, nil
}

// notifyDevicesChanged makes the connected clients that may cache acc's
// device list (its own devices and its contacts') drop it (both PN and LID
// forms), so their next send sees the change. The real server tells only
// those, never the whole network.
func (s *Server) notifyDevicesChanged(acc *account) {
	s.mu.Lock()
	defer s.mu.Unlock()
	notify := func(other *account) {
		for _, d := range other.devices {
			if d.conn == nil || d.conn.dev == nil {
				continue
			}
			for _, from := range []types.JID{acc.pn, acc.lid} {
				attrs := waBinary.Attrs{"from": from, "type": "devices", "id": newID(), "t": now()}
				if from == acc.pn {
					attrs["lid"] = acc.lid
				}
				d.deliver(waBinary.Node{Tag: "notification", Attrs: attrs, Content: []waBinary.Node{{
					Tag: "update", Attrs: waBinary.Attrs{"hash": "simnet"},
					Content: []waBinary.Node{{Tag: "device", Attrs: waBinary.Attrs{"jid": from}}},
				}}})
			}
		}
	}
	notify(acc)
	for other := range acc.contacts {
		notify(other)
	}
}

// handleMDIQ serves the multi-device namespace: code pairing stages and
// logout.
func (s *Server) handleMDIQ(c *conn, node *waBinary.Node) {
	if reg, ok := node.GetOptionalChildByTag("link_code_companion_reg"); ok {
		switch strAttr(&reg, "stage") {
		case "companion_hello":
			s.handleCompanionHello(c, node, &reg)
		case "companion_finish":
			s.handleCompanionFinish(c, node, &reg)
		default:
			s.replyError(c, node, 400, "bad-request")
		}
		return
	}
	if rm, ok := node.GetOptionalChildByTag("remove-companion-device"); ok && c.dev != nil {
		j, _ := jidAttr(&rm, "jid")
		s.reply(c, node)
		s.removeDevice(j)
		return
	}
	s.replyError(c, node, 501, "feature-not-implemented")
}

func (s *Server) handleCompanionHello(c *conn, node, reg *waBinary.Node) {
	j, _ := jidAttr(reg, "jid")
	if c.reg == nil {
		s.replyError(c, node, 400, "bad-request")
		return
	}
	cp := &codePair{
		conn:       c,
		ref:        "simnet-code-" + newID(),
		wrappedEph: bytesOf(reg.GetChildByTag("link_code_pairing_wrapped_companion_ephemeral_pub")),
		finished:   make(chan []byte, 1),
	}
	if len(cp.wrappedEph) != 80 {
		s.replyError(c, node, 400, "bad-request")
		return
	}
	s.mu.Lock()
	s.codePairs[normalizePhone(j.User)] = cp
	s.mu.Unlock()
	s.reply(c, node, waBinary.Node{Tag: "link_code_companion_reg", Content: []waBinary.Node{
		{Tag: "link_code_pairing_ref", Content: []byte(cp.ref)},
	}})
}

func (s *Server) handleCompanionFinish(c *conn, node, reg *waBinary.Node) {
	ref := string(bytesOf(reg.GetChildByTag("link_code_pairing_ref")))
	var cp *codePair
	s.mu.Lock()
	for _, candidate := range s.codePairs {
		if candidate.ref == ref && candidate.conn == c {
			cp = candidate
		}
	}
	s.mu.Unlock()
	if cp == nil || cp.primaryEph == nil {
		s.replyError(c, node, 404, "item-not-found")
		return
	}
	secret, err := cp.advSecret(bytesOf(reg.GetChildByTag("link_code_pairing_wrapped_key_bundle")))
	if err != nil {
		c.log.Warn("simnet: code pairing bundle", "err", err)
		s.replyError(c, node, 400, "bad-request")
		return
	}
	s.reply(c, node)
	cp.finished <- secret
}

// EnterPairingCode makes phone's account accept the 8-character code a
// companion showed (whatsmeow's PairPhone), as typing it on the phone would.
// It returns the new device's JID once pairing completed.
func (s *Server) EnterPairingCode(ctx context.Context, phone, code string) (types.JID, error) {
	acc, err := s.accountByPhone(phone)
	if err != nil {
		return types.JID{}, err
	}
	code = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(code), "-", ""))
	s.mu.Lock()
	cp := s.codePairs[acc.pn.User]
	if cp != nil {
		delete(s.codePairs, acc.pn.User)
	}
	p := acc.phone
	s.mu.Unlock()
	if cp == nil || p == nil {
		return types.JID{}, fmt.Errorf("%w (code for %s)", ErrNoPendingPair, acc.pn.User)
	}
	cp.phoneIdentity = p.client.Store.IdentityKey
	companionEph, err := linkCodeCrypt(code, cp.wrappedEph[:32], cp.wrappedEph[32:48], cp.wrappedEph[48:80])
	if err != nil {
		return types.JID{}, err
	}
	cp.companionEph = companionEph
	cp.primaryEph = keys.NewKeyPair()
	salt, iv := make([]byte, 32), make([]byte, 16)
	_, _ = rand.Read(salt)
	_, _ = rand.Read(iv)
	wrapped, err := linkCodeCrypt(code, salt, iv, cp.primaryEph.Pub[:])
	if err != nil {
		return types.JID{}, err
	}
	err = cp.conn.send(waBinary.Node{Tag: "notification", Attrs: waBinary.Attrs{
		"from": types.ServerJID, "type": "link_code_companion_reg", "id": newID(), "t": now(),
	}, Content: []waBinary.Node{{Tag: "link_code_companion_reg", Content: []waBinary.Node{
		{Tag: "link_code_pairing_ref", Content: []byte(cp.ref)},
		{Tag: "link_code_pairing_wrapped_primary_ephemeral_pub", Content: concat(salt, iv, wrapped)},
		{Tag: "primary_identity_pub", Content: cp.phoneIdentity.Pub[:]},
	}}}})
	if err != nil {
		return types.JID{}, fmt.Errorf("simnet: send code pairing notification: %w", err)
	}
	// The code pair sits in the map again so companion_finish finds it.
	s.mu.Lock()
	s.codePairs[acc.pn.User] = cp
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		if s.codePairs[acc.pn.User] == cp {
			delete(s.codePairs, acc.pn.User)
		}
		s.mu.Unlock()
	}()
	waitCtx, cancel := context.WithTimeout(ctx, s.opts.RequestTimeout)
	defer cancel()
	select {
	case secret := <-cp.finished:
		return s.completePairing(ctx, acc, cp.conn, secret)
	case <-waitCtx.Done():
		return types.JID{}, fmt.Errorf("simnet: waiting for companion_finish: %w (wrong code?)", waitCtx.Err())
	}
}

// linkCodeCrypt is the AES-256-CTR wrap (and unwrap) of an ephemeral key
// under PBKDF2(code).
func linkCodeCrypt(code string, salt, iv, data []byte) ([]byte, error) {
	key, err := pbkdf2.Key(sha256.New, code, salt, 2<<16, 32)
	if err != nil {
		return nil, fmt.Errorf("pbkdf2: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("aes: %w", err)
	}
	out := make([]byte, len(data))
	cipher.NewCTR(block, iv).XORKeyStream(out, data)
	return out, nil
}

// advSecret decrypts the companion's key bundle and derives the ADV secret
// exactly as the companion did.
func (cp *codePair) advSecret(wrapped []byte) ([]byte, error) {
	if len(wrapped) < 32+12+16 {
		return nil, errors.New("key bundle too short")
	}
	salt, nonce, ct := wrapped[:32], wrapped[32:44], wrapped[44:]
	ephShared, err := curve25519.X25519(cp.primaryEph.Priv[:], cp.companionEph)
	if err != nil {
		return nil, fmt.Errorf("ephemeral x25519: %w", err)
	}
	key, err := hkdf.Key(sha256.New, ephShared, salt, "link_code_pairing_key_bundle_encryption_key", 32)
	if err != nil {
		return nil, fmt.Errorf("bundle key: %w", err)
	}
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	plain, err := gcm.Open(nil, nonce, ct, nil)
	if err != nil {
		return nil, fmt.Errorf("decrypt key bundle: %w", err)
	}
	if len(plain) != 96 {
		return nil, fmt.Errorf("key bundle has %d bytes", len(plain))
	}
	companionIdentity, advRandom := plain[:32], plain[64:96]
	identShared, err := curve25519.X25519(cp.phoneIdentity.Priv[:], companionIdentity)
	if err != nil {
		return nil, fmt.Errorf("identity x25519: %w", err)
	}
	return hkdf.Key(sha256.New, concat(ephShared, identShared, advRandom), nil, "adv_secret", 32)
}

// removeDevice forgets a companion (logout) and tells everyone.
func (s *Server) removeDevice(j types.JID) {
	s.mu.Lock()
	acc := s.lookupAccount(j)
	if acc == nil || j.Device == 0 {
		s.mu.Unlock()
		return
	}
	// The client disconnects by itself after the answer; closing here would
	// race with it and log errors on its side.
	delete(acc.devices, j.Device)
	s.mu.Unlock()
	s.notifyDevicesChanged(acc)
}

// RemoveLinkedDevice is the phone's "Linked devices → Log out" for one
// companion: the device is told it was removed (stream error 401,
// device_removed) if it is connected, and forgotten by the account either way,
// so a later login is refused.
func (s *Server) RemoveLinkedDevice(phone string, device uint16) error {
	acc, err := s.accountByPhone(phone)
	if err != nil {
		return err
	}
	if device == 0 {
		return fmt.Errorf("simnet: device 0 is the phone itself")
	}
	s.mu.Lock()
	dev := acc.devices[device]
	var c *conn
	if dev != nil {
		c = dev.conn
	}
	pn := acc.pn
	s.mu.Unlock()
	if dev == nil {
		return fmt.Errorf("simnet: %s has no device %d", phone, device)
	}
	if c != nil {
		err := c.send(waBinary.Node{Tag: "stream:error", Attrs: waBinary.Attrs{"code": "401"}, Content: []waBinary.Node{
			{Tag: "conflict", Attrs: waBinary.Attrs{"type": "device_removed"}},
		}})
		if err != nil {
			s.log.Warn("simnet: tell device it was removed", "device", device, "err", err)
		}
	}
	j := pn
	j.Device = device
	s.removeDevice(j)
	return nil
}

// DeviceProps are the companion properties the device sent when it paired (its
// OS, and the history sync it asked for: full sync, days limits); an error for a
// device that is unknown or was not paired through this server.
func (s *Server) DeviceProps(dev types.JID) (*waCompanionReg.DeviceProps, error) {
	s.mu.Lock()
	acc := s.byPN[dev.User]
	var raw []byte
	found := false
	if acc != nil {
		if d := acc.devices[dev.Device]; d != nil {
			raw, found = d.props, true
		}
	}
	s.mu.Unlock()
	if !found {
		return nil, fmt.Errorf("simnet: unknown device %s", dev)
	}
	var props waCompanionReg.DeviceProps
	if err := proto.Unmarshal(raw, &props); err != nil {
		return nil, fmt.Errorf("simnet: device props of %s: %w", dev, err)
	}
	return &props, nil
}
