package simnet

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/coder/websocket"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/binary/token"
	"go.mau.fi/whatsmeow/types"
)

// codecNodes cover every kind of value the format has.
func codecNodes() []waBinary.Node {
	long := strings.Repeat("x", 300)
	return []waBinary.Node{
		{Tag: "iq", Attrs: waBinary.Attrs{"id": "42.1-7", "type": "result", "from": types.ServerJID, "xmlns": "md"}},
		{Tag: "message", Attrs: waBinary.Attrs{
			"from":      types.NewADJID("15551234567", 0, 3),
			"recipient": types.NewJID("123456789", types.HiddenUserServer),
			"lid":       types.NewADJID("123456789", 1, 2),
			"group":     types.NewJID("1203630", types.GroupServer),
			"t":         "1700000000", "hash": "ABCDEF0123", "odd": "12345", "plain": "not a token at all",
		}, Content: []waBinary.Node{
			{Tag: "enc", Attrs: waBinary.Attrs{"v": "2", "type": "pkmsg"}, Content: bytes.Repeat([]byte{7}, 70000)},
			{Tag: "enc", Content: []byte("short")},
			{Tag: "body", Content: long},
			{Tag: "list", Content: []waBinary.Node{{Tag: "item", Attrs: waBinary.Attrs{"id": "3EB0C6F371A97FC3F8D2C9"}}}},
		}},
		{Tag: "media-for1-1.cdn.whatsapp.net", Attrs: waBinary.Attrs{"reason": "background"}, Content: "relay"},
	}
}

// TestCodecMatchesWhatsmeow: simnet's codec over the version 3 lists reads
// what whatsmeow writes and writes what whatsmeow reads, node for node; the
// format does not depend on the version, so this checks the version 2 codec
// too, but for its lists.
func TestCodecMatchesWhatsmeow(t *testing.T) {
	ours := newDictCodec(token.SingleByteTokens[:], token.DoubleByteTokens[:])
	for _, n := range codecNodes() {
		wm, err := waBinary.Marshal(n)
		if err != nil {
			t.Fatal(err)
		}
		want, err := waBinary.Unmarshal(wm[1:])
		if err != nil {
			t.Fatal(err)
		}
		got, err := ours.unmarshal(wm[1:])
		if err != nil {
			t.Fatalf("<%s>: our decoder on whatsmeow's bytes: %v", n.Tag, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("<%s>: decoded\n%s\nwant\n%s", n.Tag, got.XMLString(), want.XMLString())
		}
		b, err := ours.marshal(n)
		if err != nil {
			t.Fatal(err)
		}
		if b[0] != 0 {
			t.Errorf("<%s>: flags byte %d, want 0", n.Tag, b[0])
		}
		if len(b) != len(wm) {
			t.Errorf("<%s>: we write %d bytes, whatsmeow %d", n.Tag, len(b), len(wm))
		}
		back, err := waBinary.Unmarshal(b[1:])
		if err != nil {
			t.Fatalf("<%s>: whatsmeow's decoder on our bytes: %v", n.Tag, err)
		}
		if !reflect.DeepEqual(back, want) {
			t.Errorf("<%s>: whatsmeow read back\n%s\nwant\n%s", n.Tag, back.XMLString(), want.XMLString())
		}
	}
}

// baileysV2Node is what Baileys 6.17.16's encodeBinaryNode (dictionary
// version 2) wrote for the node in TestCodecV2ReadsBaileys, in hex.
const baileysV2Node = "00f80a1e08ff0342b1a70414060319fc026d64f802f80aec01ec07ec23fc03646576f70003ff8615551234567ffc036c6964f70102ff85123456789ffc0167faff841203630f13fc0568656c6c6ff805ec0051fb05abcdef0123fc05706c61696efc126e6f74206120746f6b656e20617420616c6c"

// TestCodecV2ReadsBaileys: the version 2 codec reads Baileys' own bytes,
// and what it writes reads back the same.
func TestCodecV2ReadsBaileys(t *testing.T) {
	raw, err := hex.DecodeString(baileysV2Node)
	if err != nil {
		t.Fatal(err)
	}
	v2, err := codecFor(2)
	if err != nil {
		t.Fatal(err)
	}
	got, err := v2.unmarshal(raw[1:])
	if err != nil {
		t.Fatal(err)
	}
	want := &waBinary.Node{Tag: "iq", Attrs: waBinary.Attrs{"id": "42.1-7", "type": "result", "from": "s.whatsapp.net", "xmlns": "md"},
		Content: []waBinary.Node{
			{Tag: "relay", Attrs: waBinary.Attrs{"reason": "background", "dev": types.NewADJID("15551234567", 0, 3),
				"lid": types.NewADJID("123456789", 1, 2), "g": types.NewJID("1203630", types.GroupServer)}, Content: []byte("hello")},
			{Tag: "media-for1-1.cdn.whatsapp.net", Attrs: waBinary.Attrs{"hash": "ABCDEF0123", "plain": "not a token at all"}},
		}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decoded\n%s\nwant\n%s", got.XMLString(), want.XMLString())
	}
	// whatsmeow's (version 3) reads the same bytes as something else.
	if v3, err := waBinary.Unmarshal(raw[1:]); err == nil && reflect.DeepEqual(v3, want) {
		t.Fatal("version 3 decodes Baileys' version 2 bytes the same: the test proves nothing")
	}
	for _, n := range append(codecNodes(), *want) {
		b, err := v2.marshal(n)
		if err != nil {
			t.Fatal(err)
		}
		back, err := v2.unmarshal(b[1:])
		if err != nil {
			t.Fatalf("<%s>: %v", n.Tag, err)
		}
		wm, _ := waBinary.Marshal(n)
		wantBack, _ := waBinary.Unmarshal(wm[1:])
		if !reflect.DeepEqual(back, wantBack) {
			t.Errorf("<%s>: round trip\n%s\nwant\n%s", n.Tag, back.XMLString(), wantBack.XMLString())
		}
	}
}

// TestUnknownDictVersionRefused: a client whose noise header names a
// dictionary simnet has no lists of is told so in the websocket's close
// reason, and the server says why in its log.
func TestUnknownDictVersionRefused(t *testing.T) {
	if _, err := codecFor(9); !errors.Is(err, ErrDictVersion) {
		t.Fatalf("codecFor(9) = %v, want ErrDictVersion", err)
	}
	srv := newTestServer(t)
	ctx := testCtx(t)
	ws, _, err := websocket.Dial(ctx, "ws://"+srv.Addr()+"/ws/chat", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	// Header, then a client hello frame (any 32-byte ephemeral key).
	hello := append([]byte{0x12, 0x22, 0x0a, 0x20}, bytes.Repeat([]byte{1}, 32)...)
	msg := append([]byte{'W', 'A', 6, 9, 0, 0, byte(len(hello))}, hello...)
	if err := ws.Write(ctx, websocket.MessageBinary, msg); err != nil {
		t.Fatal(err)
	}
	_, _, err = ws.Read(ctx)
	var ce websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.StatusPolicyViolation || !strings.Contains(ce.Reason, "dictionary version 9") {
		t.Fatalf("read after a version 9 header: %v, want a policy-violation close naming the version", err)
	}
}
