package simnet

import (
	"fmt"
	"time"

	"go.mau.fi/libsignal/ecc"
	"go.mau.fi/whatsmeow/proto/waCert"
	"go.mau.fi/whatsmeow/util/keys"
	"google.golang.org/protobuf/proto"
)

// certChain is the root → intermediate → leaf chain simnet presents in the
// Noise ServerHello. The leaf certifies the server's static Noise key.
type certChain struct {
	root   *keys.KeyPair
	static *keys.KeyPair
	// marshalled waCert.CertChain, sent (encrypted) in every ServerHello
	payload []byte
}

func newCertChain(root *keys.KeyPair) (*certChain, error) {
	intermediate := keys.NewKeyPair()
	static := keys.NewKeyPair()
	now := time.Now()
	notBefore := uint64(now.Add(-time.Hour).Unix())
	notAfter := uint64(now.AddDate(10, 0, 0).Unix())

	interDetails, err := proto.Marshal(&waCert.CertChain_NoiseCertificate_Details{
		Serial:       proto.Uint32(1),
		IssuerSerial: proto.Uint32(0), // whatsmeow.WACertIssuerSerial
		Key:          intermediate.Pub[:],
		NotBefore:    proto.Uint64(notBefore),
		NotAfter:     proto.Uint64(notAfter),
	})
	if err != nil {
		return nil, fmt.Errorf("marshal intermediate cert: %w", err)
	}
	leafDetails, err := proto.Marshal(&waCert.CertChain_NoiseCertificate_Details{
		Serial:       proto.Uint32(2),
		IssuerSerial: proto.Uint32(1),
		Key:          static.Pub[:],
		NotBefore:    proto.Uint64(notBefore),
		NotAfter:     proto.Uint64(notAfter),
	})
	if err != nil {
		return nil, fmt.Errorf("marshal leaf cert: %w", err)
	}
	interSig := ecc.CalculateSignature(ecc.NewDjbECPrivateKey(*root.Priv), interDetails)
	leafSig := ecc.CalculateSignature(ecc.NewDjbECPrivateKey(*intermediate.Priv), leafDetails)
	payload, err := proto.Marshal(&waCert.CertChain{
		Leaf:         &waCert.CertChain_NoiseCertificate{Details: leafDetails, Signature: leafSig[:]},
		Intermediate: &waCert.CertChain_NoiseCertificate{Details: interDetails, Signature: interSig[:]},
	})
	if err != nil {
		return nil, fmt.Errorf("marshal cert chain: %w", err)
	}
	return &certChain{root: root, static: static, payload: payload}, nil
}
