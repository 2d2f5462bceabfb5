package simnet

import (
	"context"
	"crypto/cipher"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/coder/websocket"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/proto/waWa6"
	"go.mau.fi/whatsmeow/util/keys"
	"google.golang.org/protobuf/proto"
)

// maxFrame is the protocol's frame limit (3-byte length).
const maxFrame = 1 << 24

// handshakeTimeout bounds each handshake read so that a stuck client cannot
// hold a goroutine forever.
const handshakeTimeout = 20 * time.Second

// conn is one client websocket after (or during) the Noise handshake.
type conn struct {
	srv    *Server
	ws     *websocket.Conn
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc

	inBuf     []byte
	gotHeader bool
	header    []byte
	// codec is the binary XML of the dictionary version the header named.
	codec codec

	readAEAD  cipher.AEAD
	readN     uint32
	writeMu   sync.Mutex
	writeAEAD cipher.AEAD
	writeN    uint32
	// firstAt is when the first node after the handshake may go
	// (Options.FirstResponseDelay); guarded by writeMu, zero once it went.
	firstAt time.Time

	clientStatic [32]byte
	payload      *waWa6.ClientPayload

	// Set once: dev after a successful login, reg for a registration
	// (pairing) connection. Guarded by srv.mu.
	dev *device
	reg *registration

	// pending is what the writer goroutine still has to send, in order:
	// everything simnet routes to this device goes through it. Guarded by
	// srv.mu; wake tells the writer there is more. What the device has not
	// acked when the connection ends is in its kept list, not lost with this.
	pending []waBinary.Node
	wake    chan struct{}

	closeOnce sync.Once
}

// push queues a routed node for the writer. Must hold srv.mu.
func (c *conn) push(node waBinary.Node) {
	c.pending = append(c.pending, node)
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// writeLoop sends routed nodes until the connection ends.
func (c *conn) writeLoop() {
	for {
		c.srv.mu.Lock()
		batch := c.pending
		c.pending = nil
		c.srv.mu.Unlock()
		for _, node := range batch {
			if err := c.send(node); err != nil {
				c.log.Debug("simnet: delivery failed; the device gets what it did not ack at its next login", "tag", node.Tag, "err", err)
				c.close(websocket.StatusGoingAway, "write failed")
				return
			}
		}
		if len(batch) > 0 {
			continue
		}
		select {
		case <-c.wake:
		case <-c.ctx.Done():
			return
		}
	}
}

// readFrame returns the next length-prefixed frame, reading websocket
// messages as needed. A message may hold several frames or part of one.
func (c *conn) readFrame(ctx context.Context) ([]byte, error) {
	for {
		if !c.gotHeader && len(c.inBuf) >= 4 {
			// The first message starts with "WA", magic, dict version;
			// the handshake hash starts from it.
			c.header = append([]byte{}, c.inBuf[:4]...)
			c.inBuf = c.inBuf[4:]
			c.gotHeader = true
		}
		if c.gotHeader && len(c.inBuf) >= 3 {
			n := int(c.inBuf[0])<<16 | int(c.inBuf[1])<<8 | int(c.inBuf[2])
			if len(c.inBuf) >= 3+n {
				frame := c.inBuf[3 : 3+n]
				c.inBuf = c.inBuf[3+n:]
				return frame, nil
			}
		}
		_, data, err := c.ws.Read(ctx)
		if err != nil {
			return nil, err
		}
		c.inBuf = append(c.inBuf, data...)
	}
}

func (c *conn) writeFrame(ctx context.Context, frame []byte) error {
	if len(frame) >= maxFrame {
		return fmt.Errorf("frame too large (%d bytes)", len(frame))
	}
	buf := make([]byte, 3+len(frame))
	buf[0], buf[1], buf[2] = byte(len(frame)>>16), byte(len(frame)>>8), byte(len(frame))
	copy(buf[3:], frame)
	return c.ws.Write(ctx, websocket.MessageBinary, buf)
}

// handshake runs the responder side of Noise XX and leaves the transport
// keys, the client's static key and its ClientPayload on c.
func (c *conn) handshake(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, handshakeTimeout)
	defer cancel()
	helloFrame, err := c.readFrame(ctx)
	if err != nil {
		return fmt.Errorf("read client hello: %w", err)
	}
	if c.header[0] != 'W' || c.header[1] != 'A' {
		return fmt.Errorf("noise header % x does not start with \"WA\"", c.header)
	}
	if c.codec, err = codecFor(c.header[3]); err != nil {
		// The client cannot read anything we would say in a dictionary it
		// does not speak, so the websocket's close reason says it.
		c.close(websocket.StatusPolicyViolation, err.Error())
		return fmt.Errorf("noise header % x: %w", c.header, err)
	}
	var hello waWa6.HandshakeMessage
	if err := proto.Unmarshal(helloFrame, &hello); err != nil {
		return fmt.Errorf("unmarshal client hello: %w", err)
	}
	clientEph := hello.GetClientHello().GetEphemeral()
	if len(clientEph) != 32 {
		return fmt.Errorf("client ephemeral key has %d bytes", len(clientEph))
	}
	ns, err := newNoiseState(c.header)
	if err != nil {
		return err
	}
	ns.authenticate(clientEph)
	eph := keys.NewKeyPair()
	ns.authenticate(eph.Pub[:])
	if err := ns.mixSharedSecret(eph.Priv[:], clientEph); err != nil {
		return err
	}
	static := c.srv.certs.static
	staticCT := ns.encrypt(static.Pub[:])
	if err := ns.mixSharedSecret(static.Priv[:], clientEph); err != nil {
		return err
	}
	certCT := ns.encrypt(c.srv.certs.payload)
	serverHello, err := proto.Marshal(&waWa6.HandshakeMessage{ServerHello: &waWa6.HandshakeMessage_ServerHello{
		Ephemeral: eph.Pub[:], Static: staticCT, Payload: certCT,
	}})
	if err != nil {
		return fmt.Errorf("marshal server hello: %w", err)
	}
	if err := c.writeFrame(ctx, serverHello); err != nil {
		return fmt.Errorf("send server hello: %w", err)
	}

	finishFrame, err := c.readFrame(ctx)
	if err != nil {
		return fmt.Errorf("read client finish: %w", err)
	}
	var finish waWa6.HandshakeMessage
	if err := proto.Unmarshal(finishFrame, &finish); err != nil {
		return fmt.Errorf("unmarshal client finish: %w", err)
	}
	clientStatic, err := ns.decrypt(finish.GetClientFinish().GetStatic())
	if err != nil {
		return fmt.Errorf("decrypt client static: %w", err)
	}
	if len(clientStatic) != 32 {
		return fmt.Errorf("client static key has %d bytes", len(clientStatic))
	}
	if err := ns.mixSharedSecret(eph.Priv[:], clientStatic); err != nil {
		return err
	}
	payloadBytes, err := ns.decrypt(finish.GetClientFinish().GetPayload())
	if err != nil {
		return fmt.Errorf("decrypt client payload: %w", err)
	}
	var payload waWa6.ClientPayload
	if err := proto.Unmarshal(payloadBytes, &payload); err != nil {
		return fmt.Errorf("unmarshal client payload: %w", err)
	}
	if c.readAEAD, c.writeAEAD, err = ns.split(); err != nil {
		return err
	}
	if d := c.srv.opts.FirstResponseDelay; d > 0 {
		c.firstAt = time.Now().Add(d)
	}
	c.clientStatic = [32]byte(clientStatic)
	c.payload = &payload
	return nil
}

// readNode reads and decrypts one binary node.
func (c *conn) readNode(ctx context.Context) (*waBinary.Node, error) {
	frame, err := c.readFrame(ctx)
	if err != nil {
		return nil, err
	}
	plain, err := c.readAEAD.Open(nil, noiseIV(c.readN), frame, nil)
	c.readN++
	if err != nil {
		return nil, fmt.Errorf("decrypt frame: %w", err)
	}
	unpacked, err := waBinary.Unpack(plain)
	if err != nil {
		return nil, fmt.Errorf("unpack frame: %w", err)
	}
	node, err := c.codec.unmarshal(unpacked)
	if err != nil {
		return nil, fmt.Errorf("unmarshal node: %w", err)
	}
	return node, nil
}

// send encrypts and writes one node. Safe for concurrent use.
func (c *conn) send(node waBinary.Node) error {
	data, err := c.codec.marshal(node)
	if err != nil {
		return fmt.Errorf("marshal <%s>: %w", node.Tag, err)
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if !c.firstAt.IsZero() {
		if wait := time.Until(c.firstAt); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-c.ctx.Done():
				t.Stop()
				return fmt.Errorf("write <%s>: %w", node.Tag, c.ctx.Err())
			}
		}
		c.firstAt = time.Time{}
	}
	frame := c.writeAEAD.Seal(nil, noiseIV(c.writeN), data, nil)
	c.writeN++
	ctx, cancel := context.WithTimeout(c.ctx, 10*time.Second)
	defer cancel()
	if err := c.writeFrame(ctx, frame); err != nil {
		return fmt.Errorf("write <%s>: %w", node.Tag, err)
	}
	if c.srv.opts.TraceNodes {
		c.log.Debug("simnet send", "node", node.XMLString())
	}
	return nil
}

// close ends the connection; the read loop then unregisters it.
func (c *conn) close(code websocket.StatusCode, reason string) {
	c.closeOnce.Do(func() {
		c.cancel()
		_ = c.ws.Close(code, reason)
	})
}
