package simnet

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"time"

	"go.mau.fi/libsignal/ecc"
	"go.mau.fi/whatsmeow/proto/waAdv"
	"go.mau.fi/whatsmeow/util/keys"
	"google.golang.org/protobuf/proto"
)

// signDeviceIdentity does what the primary phone does when it links a
// device: it signs the companion's identity key with the account's
// identity key (XEdDSA over [6,0] ‖ details ‖ companionIdentity).
func signDeviceIdentity(phoneIdentity *keys.KeyPair, companionIdentity []byte, keyIndex uint32) (*waAdv.ADVSignedDeviceIdentity, error) {
	var raw [4]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, fmt.Errorf("random raw id: %w", err)
	}
	details, err := proto.Marshal(&waAdv.ADVDeviceIdentity{
		RawID:       proto.Uint32(binary.BigEndian.Uint32(raw[:])),
		Timestamp:   proto.Uint64(uint64(time.Now().Unix())),
		KeyIndex:    proto.Uint32(keyIndex),
		AccountType: waAdv.ADVEncryptionType_E2EE.Enum(),
		DeviceType:  waAdv.ADVEncryptionType_E2EE.Enum(),
	})
	if err != nil {
		return nil, fmt.Errorf("marshal device identity: %w", err)
	}
	msg := concat([]byte{6, 0}, details, companionIdentity)
	sig := ecc.CalculateSignature(ecc.NewDjbECPrivateKey(*phoneIdentity.Priv), msg)
	return &waAdv.ADVSignedDeviceIdentity{
		Details:             details,
		AccountSignatureKey: phoneIdentity.Pub[:],
		AccountSignature:    sig[:],
	}, nil
}

// wrapDeviceIdentity puts a signed identity in the HMAC container the
// companion checks with the ADV secret it put in its QR code (or derived
// during code pairing).
func wrapDeviceIdentity(signed *waAdv.ADVSignedDeviceIdentity, advSecret []byte) ([]byte, error) {
	signedBytes, err := proto.Marshal(signed)
	if err != nil {
		return nil, fmt.Errorf("marshal signed identity: %w", err)
	}
	mac := hmac.New(sha256.New, advSecret)
	mac.Write(signedBytes)
	out, err := proto.Marshal(&waAdv.ADVSignedDeviceIdentityHMAC{
		Details:     signedBytes,
		HMAC:        mac.Sum(nil),
		AccountType: waAdv.ADVEncryptionType_E2EE.Enum(),
	})
	if err != nil {
		return nil, fmt.Errorf("marshal identity container: %w", err)
	}
	return out, nil
}

// selfSignedPhoneIdentity is the Account a phone's own store carries: its
// identity signed by itself, with a device signature as a companion would
// add. whatsmeow only marshals it into <device-identity>.
func selfSignedPhoneIdentity(identity *keys.KeyPair) (*waAdv.ADVSignedDeviceIdentity, error) {
	signed, err := signDeviceIdentity(identity, identity.Pub[:], 0)
	if err != nil {
		return nil, err
	}
	msg := concat([]byte{6, 1}, signed.Details, identity.Pub[:], signed.AccountSignatureKey)
	sig := ecc.CalculateSignature(ecc.NewDjbECPrivateKey(*identity.Priv), msg)
	signed.DeviceSignature = sig[:]
	return signed, nil
}

func concat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%X", b[:])
}
