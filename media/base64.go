package media

import (
	"fmt"
	"io"
)

// Base64Error is data that is not base64; Offset counts the characters before
// the first bad one.
type Base64Error struct {
	Offset int64
	Char   byte
}

func (e *Base64Error) Error() string {
	if e.Char == 0 {
		return fmt.Sprintf("not valid base64: it ends in the middle of a group of four characters (after %d)", e.Offset)
	}
	return fmt.Sprintf("not valid base64: %q at character %d", e.Char, e.Offset)
}

var b64Value = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := range len(alphabet) {
		t[alphabet[i]] = int8(i)
	}
	// URL-safe letters too: some clients send them.
	t['-'], t['_'] = 62, 63
	return t
}()

// Base64Writer decodes base64 written to it (in pieces of any size) into W, a
// group of four characters at a time, so a file of any size passes through in
// constant memory. Line breaks and spaces are skipped; padding is optional.
type Base64Writer struct {
	W       io.Writer
	quad    [4]byte
	nq      int
	off     int64
	padding int // '=' seen: only more '=' may follow
	buf     [3 * 1024]byte
	nb      int
	err     error
}

func (b *Base64Writer) Write(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	for i, c := range p {
		switch {
		case c == '\n' || c == '\r' || c == ' ' || c == '\t':
			b.off++
			continue
		case c == '=':
			// Padding ends the data: after two or three characters of a group.
			if b.padding == 0 && b.nq < 2 || b.nq+b.padding >= 4 {
				b.err = &Base64Error{Offset: b.off, Char: c}
				return i, b.err
			}
			b.padding++
			b.off++
			continue
		}
		v := b64Value[c]
		if v < 0 || b.padding > 0 {
			b.err = &Base64Error{Offset: b.off, Char: c}
			return i, b.err
		}
		b.quad[b.nq] = byte(v)
		b.nq++
		b.off++
		if b.nq == 4 {
			q := b.quad
			b.emit(q[0]<<2|q[1]>>4, q[1]<<4|q[2]>>2, q[2]<<6|q[3])
			b.nq = 0
			if b.nb+3 > len(b.buf) {
				if err := b.flush(); err != nil {
					return i, err
				}
			}
		}
	}
	return len(p), nil
}

func (b *Base64Writer) emit(bs ...byte) {
	b.nb += copy(b.buf[b.nb:], bs)
}

func (b *Base64Writer) flush() error {
	if b.nb == 0 {
		return nil
	}
	_, err := b.W.Write(b.buf[:b.nb])
	b.nb = 0
	if err != nil {
		b.err = err
	}
	return err
}

// Close decodes the last, short group and writes what is left.
func (b *Base64Writer) Close() error {
	if b.err != nil {
		return b.err
	}
	q := b.quad
	switch b.nq {
	case 0:
	case 1:
		b.err = &Base64Error{Offset: b.off}
		return b.err
	case 2:
		b.emit(q[0]<<2 | q[1]>>4)
	case 3:
		b.emit(q[0]<<2|q[1]>>4, q[1]<<4|q[2]>>2)
	}
	if b.padding > 0 && b.nq+b.padding != 4 {
		b.err = &Base64Error{Offset: b.off}
		return b.err
	}
	b.nq = 0
	return b.flush()
}
