package simnet

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/binary/token"
	"go.mau.fi/whatsmeow/types"
)

// A client names the token dictionary of its binary XML in the fourth byte
// of its noise header ("WA", 6, version): the format is the same in every
// version, only the lists of strings that one or two bytes stand for
// differ. The real server speaks what the client asked for; so does simnet,
// for the versions it has lists of.

// codec encodes and decodes binary XML nodes in one dictionary version.
// marshal's output starts with a frame's flags byte (0: not compressed);
// unmarshal takes a node without it (waBinary.Unpack took it off).
type codec interface {
	marshal(n waBinary.Node) ([]byte, error)
	unmarshal(data []byte) (*waBinary.Node, error)
}

// ErrDictVersion is returned for a client whose noise header names a token
// dictionary simnet does not have.
var ErrDictVersion = errors.New("simnet: unsupported binary token dictionary version")

// codecFor returns the codec of dictionary version v: whatsmeow's own for 3
// (what whatsmeow and current WhatsApp Web speak), simnet's for 2 (Baileys
// 6.17.x).
func codecFor(v byte) (codec, error) {
	switch v {
	case token.DictVersion:
		return whatsmeowCodec{}, nil
	case 2:
		return dictV2(), nil
	default:
		return nil, fmt.Errorf("%w %d (simnet knows 2 and %d)", ErrDictVersion, v, token.DictVersion)
	}
}

// whatsmeowCodec is whatsmeow's binary package, dictionary version 3.
type whatsmeowCodec struct{}

func (whatsmeowCodec) marshal(n waBinary.Node) ([]byte, error) {
	return waBinary.Marshal(n)
}

func (whatsmeowCodec) unmarshal(data []byte) (*waBinary.Node, error) { return waBinary.Unmarshal(data) }

// dictV2 is version 2, built once.
var dictV2 = sync.OnceValue(func() *dictCodec { return newDictCodec(dictV2Single[:], dictV2Double[:]) })

// dictCodec is the binary XML format over one set of token lists.
type dictCodec struct {
	single    []string
	double    [][]string
	singleIdx map[string]byte
	doubleIdx map[string][2]byte
}

func newDictCodec(single []string, double [][]string) *dictCodec {
	d := &dictCodec{single: single, double: double,
		singleIdx: make(map[string]byte, len(single)), doubleIdx: make(map[string][2]byte, 256*len(double))}
	for i, s := range single {
		if s != "" {
			d.singleIdx[s] = byte(i)
		}
	}
	for i, list := range double {
		for j, s := range list {
			d.doubleIdx[s] = [2]byte{byte(i), byte(j)}
		}
	}
	return d
}

func (d *dictCodec) marshal(n waBinary.Node) (out []byte, err error) {
	w := &binWriter{d: d, buf: []byte{0}}
	defer func() {
		// The writer panics on a value it cannot encode, as whatsmeow's does;
		// here that is an error of this node.
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("simnet: encode <%s>: %v", n.Tag, r)
		}
	}()
	w.node(n)
	return w.buf, nil
}

func (d *dictCodec) unmarshal(data []byte) (*waBinary.Node, error) {
	r := &binReader{d: d, data: data}
	n, err := r.node()
	if err != nil {
		return nil, fmt.Errorf("simnet: decode node at byte %d: %w", r.pos, err)
	}
	if r.pos != len(data) {
		return n, fmt.Errorf("simnet: %d bytes left after the node", len(data)-r.pos)
	}
	return n, nil
}

// Tags of the format (the same in every dictionary version).
const (
	tagListEmpty = 0
	tagDict0     = 236 // 236-239: a double-byte token of list tag-236
	tagDict3     = 239
	tagInteropID = 245
	tagFBJID     = 246
	tagADJID     = 247
	tagList8     = 248
	tagList16    = 249
	tagJIDPair   = 250
	tagHex8      = 251
	tagBinary8   = 252
	tagBinary20  = 253
	tagBinary32  = 254
	tagNibble8   = 255
	packedMax    = 127
)

type binReader struct {
	d    *dictCodec
	data []byte
	pos  int
}

var errShort = errors.New("unexpected end of data")

func (r *binReader) byte() (byte, error) {
	if r.pos >= len(r.data) {
		return 0, errShort
	}
	b := r.data[r.pos]
	r.pos++
	return b, nil
}

// uint reads an n-byte big-endian integer.
func (r *binReader) uint(n int) (int, error) {
	if r.pos+n > len(r.data) {
		return 0, errShort
	}
	v := 0
	for _, b := range r.data[r.pos : r.pos+n] {
		v = v<<8 | int(b)
	}
	r.pos += n
	return v, nil
}

func (r *binReader) raw(n int) ([]byte, error) {
	if n < 0 || r.pos+n > len(r.data) {
		return nil, errShort
	}
	b := r.data[r.pos : r.pos+n]
	r.pos += n
	return b, nil
}

func (r *binReader) listSize(tag byte) (int, error) {
	switch tag {
	case tagListEmpty:
		return 0, nil
	case tagList8:
		return r.uint(1)
	case tagList16:
		return r.uint(2)
	}
	return 0, fmt.Errorf("list size with tag %d", tag)
}

func (r *binReader) node() (*waBinary.Node, error) {
	tag, err := r.byte()
	if err != nil {
		return nil, err
	}
	size, err := r.listSize(tag)
	if err != nil {
		return nil, err
	}
	desc, err := r.value(true)
	if err != nil {
		return nil, err
	}
	name, _ := desc.(string)
	if size == 0 || name == "" {
		return nil, errors.New("invalid node: no tag")
	}
	n := &waBinary.Node{Tag: name}
	if pairs := (size - 1) / 2; pairs > 0 {
		n.Attrs = make(waBinary.Attrs, pairs)
		for range pairs {
			k, err := r.value(true)
			if err != nil {
				return nil, err
			}
			key, ok := k.(string)
			if !ok {
				return nil, fmt.Errorf("attribute key of type %T", k)
			}
			if n.Attrs[key], err = r.value(true); err != nil {
				return nil, err
			}
		}
	}
	if size%2 == 0 {
		if n.Content, err = r.value(false); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// value reads one value: a string (or, where asString is false, bytes), a
// JID, a list of nodes, or nil.
func (r *binReader) value(asString bool) (any, error) {
	tag, err := r.byte()
	if err != nil {
		return nil, err
	}
	switch {
	case tag == tagListEmpty:
		return nil, nil
	case tag == tagList8 || tag == tagList16:
		size, err := r.listSize(tag)
		if err != nil {
			return nil, err
		}
		nodes := make([]waBinary.Node, size)
		for i := range nodes {
			n, err := r.node()
			if err != nil {
				return nil, err
			}
			nodes[i] = *n
		}
		return nodes, nil
	case tag == tagBinary8 || tag == tagBinary20 || tag == tagBinary32:
		var size int
		switch tag {
		case tagBinary8:
			size, err = r.uint(1)
		case tagBinary20:
			size, err = r.uint(3)
			size &= 0xFFFFF
		default:
			size, err = r.uint(4)
		}
		if err != nil {
			return nil, err
		}
		b, err := r.raw(size)
		if err != nil {
			return nil, err
		}
		if asString {
			return string(b), nil
		}
		return b, nil
	case tag >= tagDict0 && tag <= tagDict3:
		i, err := r.byte()
		if err != nil {
			return nil, err
		}
		list := int(tag - tagDict0)
		if list >= len(r.d.double) || int(i) >= len(r.d.double[list]) {
			return nil, fmt.Errorf("double-byte token %d/%d not in the dictionary", list, i)
		}
		return r.d.double[list][i], nil
	case tag == tagJIDPair:
		user, err := r.value(true)
		if err != nil {
			return nil, err
		}
		server, err := r.value(true)
		if err != nil {
			return nil, err
		}
		srv, ok := server.(string)
		if !ok {
			return nil, errors.New("JID pair without a server")
		}
		u, _ := user.(string)
		return types.NewJID(u, srv), nil
	case tag == tagADJID:
		agent, err := r.byte()
		if err != nil {
			return nil, err
		}
		dev, err := r.byte()
		if err != nil {
			return nil, err
		}
		user, err := r.value(true)
		if err != nil {
			return nil, err
		}
		u, _ := user.(string)
		return types.NewADJID(u, agent, dev), nil
	case tag == tagFBJID || tag == tagInteropID:
		return nil, fmt.Errorf("JID tag %d (Messenger/interop) not supported", tag)
	case tag == tagNibble8 || tag == tagHex8:
		return r.packed(tag)
	case int(tag) < len(r.d.single) && tag != 0:
		return r.d.single[tag], nil
	}
	return nil, fmt.Errorf("invalid token %d", tag)
}

func (r *binReader) packed(tag byte) (string, error) {
	start, err := r.byte()
	if err != nil {
		return "", err
	}
	b, err := r.raw(int(start & 0x7F))
	if err != nil {
		return "", err
	}
	out := make([]byte, 0, 2*len(b))
	for _, x := range b {
		for _, nib := range [2]byte{x >> 4, x & 0x0F} {
			c, err := unpackNibble(tag, nib)
			if err != nil {
				return "", err
			}
			out = append(out, c)
		}
	}
	if start&0x80 != 0 && len(out) > 0 {
		out = out[:len(out)-1] // odd length: the last nibble is padding
	}
	return string(out), nil
}

func unpackNibble(tag, v byte) (byte, error) {
	if tag == tagHex8 {
		if v < 10 {
			return '0' + v, nil
		}
		return 'A' + v - 10, nil
	}
	switch {
	case v < 10:
		return '0' + v, nil
	case v == 10:
		return '-', nil
	case v == 11:
		return '.', nil
	case v == 15:
		return 0, nil
	}
	return 0, fmt.Errorf("invalid nibble %d", v)
}

type binWriter struct {
	d   *dictCodec
	buf []byte
}

func (w *binWriter) uint(v, n int) {
	for i := n - 1; i >= 0; i-- {
		w.buf = append(w.buf, byte(v>>(8*i)))
	}
}

func (w *binWriter) listStart(n int) {
	switch {
	case n == 0:
		w.buf = append(w.buf, tagListEmpty)
	case n < 256:
		w.buf = append(w.buf, tagList8, byte(n))
	default:
		w.buf = append(w.buf, tagList16)
		w.uint(n, 2)
	}
}

func (w *binWriter) node(n waBinary.Node) {
	attrs := 0
	for _, v := range n.Attrs {
		if v != nil && v != "" {
			attrs++
		}
	}
	size := 1 + 2*attrs
	if n.Content != nil {
		size++
	}
	w.listStart(size)
	w.str(n.Tag)
	for k, v := range n.Attrs {
		if v != nil && v != "" {
			w.str(k)
			w.value(v)
		}
	}
	if n.Content != nil {
		w.value(n.Content)
	}
}

func (w *binWriter) value(v any) {
	switch v := v.(type) {
	case nil:
		w.buf = append(w.buf, tagListEmpty)
	case string:
		w.str(v)
	case types.JID:
		w.jid(v)
	case []byte:
		w.bytes(v)
	case []waBinary.Node:
		w.listStart(len(v))
		for _, n := range v {
			w.node(n)
		}
	case int:
		w.str(strconv.Itoa(v))
	case int32:
		w.str(strconv.FormatInt(int64(v), 10))
	case int64:
		w.str(strconv.FormatInt(v, 10))
	case uint:
		w.str(strconv.FormatUint(uint64(v), 10))
	case uint32:
		w.str(strconv.FormatUint(uint64(v), 10))
	case uint64:
		w.str(strconv.FormatUint(v, 10))
	case bool:
		w.str(strconv.FormatBool(v))
	default:
		panic(fmt.Sprintf("cannot encode a %T", v))
	}
}

func (w *binWriter) bytes(b []byte) {
	switch n := len(b); {
	case n < 256:
		w.buf = append(w.buf, tagBinary8, byte(n))
	case n < 1<<20:
		w.buf = append(w.buf, tagBinary20)
		w.uint(n, 3)
	case n < math.MaxInt32:
		w.buf = append(w.buf, tagBinary32)
		w.uint(n, 4)
	default:
		panic(fmt.Sprintf("value of %d bytes", n))
	}
	w.buf = append(w.buf, b...)
}

func (w *binWriter) str(s string) {
	if i, ok := w.d.singleIdx[s]; ok {
		w.buf = append(w.buf, i)
	} else if ij, ok := w.d.doubleIdx[s]; ok {
		w.buf = append(w.buf, tagDict0+ij[0], ij[1])
	} else if packable(s, false) {
		w.packed(s, tagNibble8)
	} else if packable(s, true) {
		w.packed(s, tagHex8)
	} else {
		w.bytes([]byte(s))
	}
}

// packable reports whether s can go as nibbles (digits, '-', '.') or, with
// hex, as upper-case hex digits.
func packable(s string, hex bool) bool {
	if len(s) > packedMax {
		return false
	}
	for i := range len(s) {
		c := s[i]
		ok := c >= '0' && c <= '9'
		if hex {
			ok = ok || c >= 'A' && c <= 'F'
		} else {
			ok = ok || c == '-' || c == '.'
		}
		if !ok {
			return false
		}
	}
	return true
}

func (w *binWriter) packed(s string, tag byte) {
	n := (len(s) + 1) / 2
	head := byte(n)
	if len(s)%2 != 0 {
		head |= 0x80
	}
	w.buf = append(w.buf, tag, head)
	nib := func(c byte) byte {
		switch {
		case c == 0:
			return 15
		case c >= '0' && c <= '9':
			return c - '0'
		case c == '-':
			return 10
		case c == '.':
			return 11
		default: // A-F, hex only
			return 10 + c - 'A'
		}
	}
	for i := 0; i < len(s); i += 2 {
		var lo byte
		if i+1 < len(s) {
			lo = s[i+1]
		}
		w.buf = append(w.buf, nib(s[i])<<4|nib(lo))
	}
}

func (w *binWriter) jid(j types.JID) {
	switch {
	case (j.Server == types.DefaultUserServer || j.Server == types.HiddenUserServer) && j.Device > 0 ||
		j.Server == types.HostedServer || j.Server == types.HostedLIDServer:
		w.buf = append(w.buf, tagADJID, j.ActualAgent(), byte(j.Device))
		w.str(j.User)
	case j.Server == types.MessengerServer || j.Server == types.InteropServer:
		panic("a Messenger/interop JID")
	default:
		w.buf = append(w.buf, tagJIDPair)
		if j.User == "" {
			w.buf = append(w.buf, tagListEmpty)
		} else {
			w.str(j.User)
		}
		w.str(j.Server)
	}
}
