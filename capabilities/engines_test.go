package capabilities_test

import (
	"reflect"
	"testing"

	"github.com/wagate/wagate/capabilities"
	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/noweb"
	"github.com/wagate/wagate/engines/webjs"
)

// TestEnginesMatchTheMatrix: an engine's type has the optional interface of every
// operation the matrix says it supports, and no interface the matrix does not
// give it; every interface is some operation's.
func TestEnginesMatchTheMatrix(t *testing.T) {
	m, err := capabilities.Load("https://example.com/new")
	if err != nil {
		t.Fatal(err)
	}
	ifaces := engines.Interfaces()
	types := map[engines.Name]reflect.Type{
		engines.NOWEB: reflect.TypeFor[*noweb.Engine](),
		engines.WEBJS: reflect.TypeFor[*webjs.Engine](),
	}
	used := map[string]bool{}
	for n, typ := range types {
		if !typ.Implements(reflect.TypeFor[engines.Engine]()) {
			t.Errorf("%s (%s) is not an engines.Engine", n, typ)
		}
		claimed := map[string]bool{}
		for _, op := range m.Operations() {
			if !op.Session || op.Interface == "" {
				continue
			}
			used[op.Interface] = true
			has, supported := typ.Implements(ifaces[op.Interface]), m.Supports(op.ID, n)
			switch {
			case supported && !has:
				t.Errorf("the matrix says %s supports %s, but %s has no %s", n, op.ID, typ, op.Interface)
			case !supported && has:
				t.Errorf("%s has %s, but the matrix says %s does not support %s", typ, op.Interface, n, op.ID)
			}
			if supported {
				claimed[op.Interface] = true
			}
		}
		for name, iface := range ifaces {
			if typ.Implements(iface) && !claimed[name] {
				t.Errorf("%s has %s, which no operation the matrix gives %s needs", typ, name, n)
			}
		}
	}
	for name := range ifaces {
		if !used[name] {
			t.Errorf("engines.Interfaces has %s, which no operation of the matrix names", name)
		}
	}
}
