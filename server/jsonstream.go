package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonStream reads a JSON document as it arrives, so that a large string (a file
// as base64) can go straight into a writer instead of memory: encoding/json
// holds every value whole. It checks the syntax of all it reads.
type jsonStream struct {
	r   *bufio.Reader
	off int64
}

// jsonError is malformed JSON at a byte offset.
type jsonError struct {
	Offset int64
	Msg    string
}

func (e *jsonError) Error() string {
	return fmt.Sprintf("Invalid JSON at byte %d: %s", e.Offset, e.Msg)
}

// errValueTooLong is a small field whose value is not small.
var errValueTooLong = errors.New("value too long")

func newJSONStream(r io.Reader) *jsonStream {
	return &jsonStream{r: bufio.NewReaderSize(r, 32<<10)}
}

func (s *jsonStream) fail(format string, args ...any) error {
	return &jsonError{Offset: s.off, Msg: fmt.Sprintf(format, args...)}
}

// read is the next byte; the end of the body is a syntax error, as is a read
// error (a body over the limit is reported as that).
func (s *jsonStream) read() (byte, error) {
	c, err := s.r.ReadByte()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return 0, s.fail("unexpected end of the body")
		}
		return 0, err
	}
	s.off++
	return c, nil
}

func (s *jsonStream) unread() {
	_ = s.r.UnreadByte()
	s.off--
}

// next is the next byte that is not white space.
func (s *jsonStream) next() (byte, error) {
	for {
		c, err := s.read()
		if err != nil || !isSpace(c) {
			return c, err
		}
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// object reads an object, calling field for each key; field must read the value
// (value, str or skip).
func (s *jsonStream) object(field func(key string) error) error {
	c, err := s.next()
	if err != nil {
		return err
	}
	if c != '{' {
		return s.fail("expected an object")
	}
	if c, err = s.next(); err != nil {
		return err
	}
	if c == '}' {
		return nil
	}
	for {
		if c != '"' {
			return s.fail("expected a field name")
		}
		var key bytes.Buffer
		if err := s.str(&limitWriter{w: &key, n: 1 << 10}); err != nil {
			return err
		}
		if c, err = s.next(); err != nil {
			return err
		}
		if c != ':' {
			return s.fail("expected ':' after %q", key.String())
		}
		if err := field(key.String()); err != nil {
			return err
		}
		if c, err = s.next(); err != nil {
			return err
		}
		switch c {
		case '}':
			return nil
		case ',':
			if c, err = s.next(); err != nil {
				return err
			}
		default:
			return s.fail("expected ',' or '}'")
		}
	}
}

// end checks that nothing but white space follows the document.
func (s *jsonStream) end() error {
	for {
		c, err := s.r.ReadByte()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		s.off++
		if !isSpace(c) {
			return s.fail("unexpected data after the object")
		}
	}
}

// str unescapes a string's characters into w; the opening quote is read.
func (s *jsonStream) str(w io.Writer) error {
	var buf [4 << 10]byte
	n := 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		_, err := w.Write(buf[:n])
		n = 0
		return err
	}
	put := func(b ...byte) error {
		if n+len(b) > len(buf) {
			if err := flush(); err != nil {
				return err
			}
		}
		n += copy(buf[n:], b)
		return nil
	}
	for {
		c, err := s.read()
		if err != nil {
			return err
		}
		switch {
		case c == '"':
			return flush()
		case c < 0x20:
			return s.fail("control character in a string")
		case c != '\\':
			if err := put(c); err != nil {
				return err
			}
			continue
		}
		e, err := s.read()
		if err != nil {
			return err
		}
		var out byte
		switch e {
		case '"', '\\', '/':
			out = e
		case 'b':
			out = '\b'
		case 'f':
			out = '\f'
		case 'n':
			out = '\n'
		case 'r':
			out = '\r'
		case 't':
			out = '\t'
		case 'u':
			r, err := s.hex4()
			if err != nil {
				return err
			}
			if utf16.IsSurrogate(r) {
				// The second half of a pair must follow.
				if b1, err := s.read(); err != nil || b1 != '\\' {
					return s.fail("lone surrogate in a string")
				}
				if b2, err := s.read(); err != nil || b2 != 'u' {
					return s.fail("lone surrogate in a string")
				}
				r2, err := s.hex4()
				if err != nil {
					return err
				}
				r = utf16.DecodeRune(r, r2)
			}
			var enc [utf8.UTFMax]byte
			if err := put(enc[:utf8.EncodeRune(enc[:], r)]...); err != nil {
				return err
			}
			continue
		default:
			return s.fail("bad escape \\%c in a string", e)
		}
		if err := put(out); err != nil {
			return err
		}
	}
}

func (s *jsonStream) hex4() (rune, error) {
	var r rune
	for range 4 {
		c, err := s.read()
		if err != nil {
			return 0, err
		}
		var v byte
		switch {
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = c - 'A' + 10
		default:
			return 0, s.fail("bad \\u escape in a string")
		}
		r = r<<4 | rune(v)
	}
	return r, nil
}

// value copies the next value's JSON text into w, checking its syntax; skip is
// value into nothing, for fields nobody reads, however large.
func (s *jsonStream) value(w io.Writer) error {
	c, err := s.next()
	if err != nil {
		return err
	}
	return s.valueFrom(c, w, 0)
}

func (s *jsonStream) skip() error { return s.value(io.Discard) }

const maxJSONDepth = 64

func (s *jsonStream) valueFrom(c byte, w io.Writer, depth int) error {
	if depth > maxJSONDepth {
		return s.fail("nested too deep")
	}
	switch {
	case c == '"':
		if w == io.Discard {
			return s.str(w) // skipped: nothing to escape again
		}
		if _, err := w.Write([]byte{'"'}); err != nil {
			return err
		}
		// Re-escaped, so w gets valid JSON text.
		if err := s.str(&jsonEscaper{w: w}); err != nil {
			return err
		}
		_, err := w.Write([]byte{'"'})
		return err
	case c == '{' || c == '[':
		closer := byte('}')
		if c == '[' {
			closer = ']'
		}
		if _, err := w.Write([]byte{c}); err != nil {
			return err
		}
		next, err := s.next()
		if err != nil {
			return err
		}
		if next == closer {
			_, err := w.Write([]byte{closer})
			return err
		}
		for {
			if c == '{' {
				if next != '"' {
					return s.fail("expected a field name")
				}
				if err := s.valueFrom(next, w, depth+1); err != nil {
					return err
				}
				if colon, err := s.next(); err != nil || colon != ':' {
					if err != nil {
						return err
					}
					return s.fail("expected ':'")
				}
				if _, err := w.Write([]byte{':'}); err != nil {
					return err
				}
				if next, err = s.next(); err != nil {
					return err
				}
			}
			if err := s.valueFrom(next, w, depth+1); err != nil {
				return err
			}
			sep, err := s.next()
			if err != nil {
				return err
			}
			if sep == closer {
				_, err := w.Write([]byte{closer})
				return err
			}
			if sep != ',' {
				return s.fail("expected ',' or '%c'", closer)
			}
			if _, err := w.Write([]byte{','}); err != nil {
				return err
			}
			if next, err = s.next(); err != nil {
				return err
			}
		}
	case c == '-' || c >= '0' && c <= '9' || c == 't' || c == 'f' || c == 'n':
		lit := []byte{c}
		for {
			b, err := s.r.ReadByte()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return err
			}
			if isSpace(b) || b == ',' || b == '}' || b == ']' || b == ':' {
				_ = s.r.UnreadByte()
				break
			}
			s.off++
			lit = append(lit, b)
			if len(lit) > 64 {
				return s.fail("bad literal")
			}
		}
		if !jsonLiteral(lit) {
			return s.fail("bad literal %q", lit)
		}
		_, err := w.Write(lit)
		return err
	}
	return s.fail("unexpected character %q", c)
}

// jsonLiteral: a number, true, false or null.
func jsonLiteral(b []byte) bool { return json.Valid(b) }

// jsonEscaper writes string characters back as JSON string text.
type jsonEscaper struct{ w io.Writer }

func (e *jsonEscaper) Write(p []byte) (int, error) {
	var out bytes.Buffer
	for _, c := range p {
		switch {
		case c == '"' || c == '\\':
			out.WriteByte('\\')
			out.WriteByte(c)
		case c < 0x20:
			fmt.Fprintf(&out, `\u%04x`, c)
		default:
			out.WriteByte(c)
		}
	}
	if _, err := e.w.Write(out.Bytes()); err != nil {
		return 0, err
	}
	return len(p), nil
}

// limitWriter takes at most n bytes, then fails with errValueTooLong.
type limitWriter struct {
	w io.Writer
	n int
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if len(p) > l.n {
		return 0, errValueTooLong
	}
	l.n -= len(p)
	return l.w.Write(p)
}
