package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// scanAll reads a document that must be an object, re-emitting each value.
func scanAll(in string) (map[string]json.RawMessage, error) {
	js := newJSONStream(strings.NewReader(in))
	out := map[string]json.RawMessage{}
	err := js.object(func(key string) error {
		var b bytes.Buffer
		if err := js.value(&b); err != nil {
			return err
		}
		out[key] = b.Bytes()
		return nil
	})
	if err == nil {
		err = js.end()
	}
	return out, err
}

func TestJSONStreamReadsWhatEncodingJSONReads(t *testing.T) {
	for _, in := range []string{
		`{}`,
		` { "a" : 1 , "b":[true,false,null,-1.5e3,{"c":"d"}], "e":"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00" } `,
		`{"file":{"mimetype":"image/png","data":"iVBORw0KGgo="},"session":"default"}`,
		`{"nested":[[[[]]]],"empty":"","obj":{}}`,
	} {
		got, err := scanAll(in)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		var want map[string]any
		if err := json.Unmarshal([]byte(in), &want); err != nil {
			t.Fatal(err)
		}
		re := map[string]any{}
		for k, v := range got {
			var x any
			if err := json.Unmarshal(v, &x); err != nil {
				t.Fatalf("%s: re-emitted %s is not JSON: %v", in, v, err)
			}
			re[k] = x
		}
		if !reflect.DeepEqual(re, want) {
			t.Fatalf("%s: got %v, want %v", in, re, want)
		}
	}
}

func TestJSONStreamRefusesBadJSON(t *testing.T) {
	for _, in := range []string{
		``, `[]`, `"x"`, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{"a":1 "b":2}`, `{"a":tru}`, `{"a":01}`, `{"a":"\x"}`,
		`{"a":"` + "\x01" + `"}`, `{"a":"\ud83d"}`, `{"a":1} x`, `{a:1}`, `{"a":[1,]}`, `{"a":{"b" 1}}`,
		`{"a":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`,
	} {
		_, err := scanAll(in)
		var je *jsonError
		if !errors.As(err, &je) {
			t.Errorf("%q: err %v, want a jsonError", in, err)
		}
	}
}

// TestJSONStreamStringsStream: a string goes to its writer in pieces, never
// whole in memory.
func TestJSONStreamStringsStream(t *testing.T) {
	long := strings.Repeat("QUJD", 100_000)
	js := newJSONStream(strings.NewReader(`"` + long + `\n"`))
	if c, err := js.next(); err != nil || c != '"' {
		t.Fatal(c, err)
	}
	w := &countingWriter{}
	if err := js.str(w); err != nil {
		t.Fatal(err)
	}
	if w.n != len(long)+1 || w.max > 4<<10 {
		t.Fatalf("wrote %d bytes in pieces of up to %d", w.n, w.max)
	}
}

type countingWriter struct{ n, max int }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	w.max = max(w.max, len(p))
	return len(p), nil
}

// FuzzJSONStream: the stream reader accepts exactly the objects encoding/json does.
func FuzzJSONStream(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":[1,{"b":"c\u0041"}]}`, `{"a":1,}`, `{"a":"\ud83d\ude00"}`, `{"x":-0.5e-3}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		_, err := scanAll(in)
		var obj map[string]any
		isObject := json.Unmarshal([]byte(in), &obj) == nil && strings.HasPrefix(strings.TrimLeft(in, " \t\r\n"), "{")
		if isObject != (err == nil) && !strings.Contains(in, "\\u") {
			t.Fatalf("%q: encoding/json object %v, stream error %v", in, isObject, err)
		}
	})
}
