package noweb

import (
	"bytes"
	"crypto/rand"
	"testing"

	"go.mau.fi/whatsmeow/util/keys"
	"golang.org/x/crypto/curve25519"
)

// TestKeyPairPublicKeyIsX25519: whatsmeow's key pairs (fast-basepoint.patch
// computes the public key on the Edwards curve) have exactly the public key
// X25519 gives, for random private keys and for the edge ones.
func TestKeyPairPublicKeyIsX25519(t *testing.T) {
	privs := [][32]byte{{}, {1}, {9}}
	var ff [32]byte
	for i := range ff {
		ff[i] = 0xff
	}
	privs = append(privs, ff)
	for range 2000 {
		var p [32]byte
		_, _ = rand.Read(p[:])
		privs = append(privs, p)
	}
	for _, priv := range privs {
		want, err := curve25519.X25519(priv[:], curve25519.Basepoint)
		if err != nil {
			// X25519 refuses a low-order result; the base point has none.
			t.Fatalf("X25519(%x): %v", priv, err)
		}
		kp := keys.NewKeyPairFromPrivateKey(priv)
		if !bytes.Equal(kp.Pub[:], want) {
			t.Fatalf("public key of %x: got %x, X25519 gives %x", priv, kp.Pub[:], want)
		}
	}
	kp := keys.NewKeyPair()
	if want, _ := curve25519.X25519(kp.Priv[:], curve25519.Basepoint); !bytes.Equal(kp.Pub[:], want) {
		t.Fatalf("NewKeyPair: public key %x, X25519 gives %x", kp.Pub[:], want)
	}
}

func BenchmarkNewKeyPair(b *testing.B) {
	for b.Loop() {
		keys.NewKeyPair()
	}
}
