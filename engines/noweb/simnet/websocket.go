package simnet

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/coder/websocket"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// handleWebsocket accepts one whatsmeow connection and serves it until it
// closes.
func (s *Server) handleWebsocket(w http.ResponseWriter, r *http.Request) {
	// The client sends Origin https://web.whatsapp.com while the Host is our
	// loopback address, so the origin check must be off.
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		s.log.Warn("simnet: websocket accept failed", "err", err)
		return
	}
	ws.SetReadLimit(maxFrame + 16)
	ctx, cancel := context.WithCancel(s.ctx)
	c := &conn{srv: s, ws: ws, ctx: ctx, cancel: cancel, log: s.log, wake: make(chan struct{}, 1)}
	defer c.close(websocket.StatusNormalClosure, "")
	if err := c.handshake(ctx); err != nil {
		s.log.Warn("simnet: noise handshake failed", "err", err)
		return
	}
	if err := s.onAuthenticated(c); err != nil {
		s.log.Warn("simnet: connection rejected", "err", err)
		return
	}
	defer s.onDisconnect(c)
	for {
		node, err := c.readNode(ctx)
		if err != nil {
			if ctx.Err() == nil && websocket.CloseStatus(err) == -1 {
				c.log.Debug("simnet: read ended", "err", err)
			}
			return
		}
		if s.opts.TraceNodes {
			c.log.Debug("simnet recv", "node", node.XMLString())
		}
		s.handleNode(c, node)
	}
}

// onAuthenticated decides, from the ClientPayload, whether this is a login
// of a known device or a registration (a companion waiting to pair).
func (s *Server) onAuthenticated(c *conn) error {
	p := c.payload
	if p.DevicePairingData != nil {
		return s.startRegistration(c)
	}
	user := strconv.FormatUint(p.GetUsername(), 10)
	devID := uint16(p.GetDevice())
	s.mu.Lock()
	acc := s.byPN[user]
	var dev *device
	if acc != nil {
		dev = acc.devices[devID]
	}
	if dev == nil || dev.noiseKey != c.clientStatic {
		s.mu.Unlock()
		// 401 makes whatsmeow log out and delete its store, like the real
		// server does for a removed device.
		_ = c.send(waBinary.Node{Tag: "failure", Attrs: waBinary.Attrs{"reason": "401", "location": "simnet"}})
		return fmt.Errorf("login of unknown device %s.%d", user, devID)
	}
	c.log = s.log.With("device", dev.pnJID().String())
	old := dev.conn
	dev.conn = c
	c.dev = dev
	// Everything kept for the device goes first, again if an earlier
	// connection sent it but the device never acked it; anything routed from
	// now on lands behind. The writer starts after <success>.
	queued := len(dev.kept)
	c.pending = slices.Clone(dev.kept)
	// Then the end of the offline queue, as the real server marks it:
	// Baileys holds back its events (messages, chats, history) until it
	// comes; whatsmeow emits events.OfflineSyncCompleted.
	c.pending = append(c.pending, waBinary.Node{Tag: "ib", Attrs: waBinary.Attrs{"from": types.ServerJID},
		Content: []waBinary.Node{{Tag: "offline", Attrs: waBinary.Attrs{"count": strconv.Itoa(queued)}}}})
	firstLogin := !dev.loggedInOnce
	dev.loggedInOnce = true
	greet := dev.pendingLinked
	dev.pendingLinked = false
	phone := acc.phone
	s.mu.Unlock()
	if old != nil {
		_ = old.send(waBinary.Node{Tag: "stream:error", Content: []waBinary.Node{{Tag: "conflict", Attrs: waBinary.Attrs{"type": "replaced"}}}})
		old.close(websocket.StatusNormalClosure, "replaced")
	}
	// <success lid> must be this device's own LID (with the device number).
	if err := c.send(waBinary.Node{Tag: "success", Attrs: waBinary.Attrs{
		"t": now(), "lid": dev.lidJID(), "props": "1", "location": "simnet", "abprops": "1",
	}}); err != nil {
		return err
	}
	go c.writeLoop()
	c.log.Debug("simnet: device logged in", "first", firstLogin, "queued", queued)
	if greet && phone != nil {
		go phone.greetCompanion(s.ctx, dev.pnJID())
	}
	return nil
}

func (s *Server) onDisconnect(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.dev != nil && c.dev.conn == c {
		// What it did not ack stays kept for the next login.
		c.dev.conn = nil
	}
	c.pending = nil
	if c.reg != nil {
		for _, ref := range c.reg.refs {
			if s.refs[ref] == c {
				delete(s.refs, ref)
			}
		}
		for k, cp := range s.codePairs {
			if cp.conn == c {
				delete(s.codePairs, k)
			}
		}
	}
}

// handleNode routes one node a client sent.
func (s *Server) handleNode(c *conn, node *waBinary.Node) {
	switch node.Tag {
	case "iq":
		s.handleIQ(c, node)
	case "message":
		s.handleMessage(c, node)
	case "receipt":
		s.handleReceipt(c, node)
	case "presence":
		s.handlePresence(c, node)
	case "chatstate":
		s.relayChatState(c, node)
	case "call":
		s.handleCall(c, node)
	case "ack":
		s.handleAck(c, node)
	case "ib":
		// Needs no answer.
	default:
		c.log.Debug("simnet: ignoring node", "tag", node.Tag)
	}
}

// now is the server clock as the unix-seconds string every stanza carries.
func now() string {
	return strconv.FormatInt(time.Now().Unix(), 10)
}

// jidAttr reads a JID attribute (nodes decoded from the wire carry
// types.JID values).
func jidAttr(node *waBinary.Node, key string) (types.JID, bool) {
	j, ok := node.Attrs[key].(types.JID)
	return j, ok
}

func strAttr(node *waBinary.Node, key string) string {
	v, _ := node.Attrs[key].(string)
	return v
}
